package io.personalize.recommend;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;

import io.personalize.profile.CacheKeysTests;

public class ScopedItemTests extends org.elasticsearch.test.ESTestCase {

    public void testConsecutiveIdsSpreadOverTheCacheSegmentsAndTheirBins() {
        String scope = "/products/content_vector/";
        assertThat(
                CacheKeysTests.fullestBinOfConsecutiveIds(id -> new ScopedItem(scope, Integer.toString(id)).hashCode()),
                lessThan(8));
    }

    public void testEqualWhenScopeAndItemAre() {
        assertThat(new ScopedItem("a/", "1"), equalTo(new ScopedItem("a/", new String("1"))));
        assertThat(new ScopedItem("a/", "1").hashCode(), equalTo(new ScopedItem("a/", "1").hashCode()));
        assertThat(new ScopedItem("a/", "1"), not(equalTo(new ScopedItem("b/", "1"))));
        assertThat(new ScopedItem("a/", "1"), not(equalTo(new ScopedItem("a/", "2"))));
    }
}
