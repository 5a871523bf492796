package io.personalize.action;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** A shard's answer: the items found with their attribute values, or that its mapping needs a search. */
public class CatalogItemsResponseSerializationTests
        extends AbstractWireSerializingTestCase<CatalogItemsAction.Response> {

    @Override
    protected CatalogItemsAction.Response createTestInstance() {
        Map<String, Map<String, List<String>>> items = new HashMap<>();
        int n = between(0, 5);
        for (int i = 0; i < n; i++) {
            Map<String, List<String>> values = new HashMap<>();
            int attributes = between(0, 2);
            for (int a = 0; a < attributes; a++) {
                values.put(randomAlphaOfLengthBetween(1, 6), randomList(1, 3, () -> randomAlphaOfLengthBetween(1, 6)));
            }
            items.put(randomAlphaOfLengthBetween(1, 10), values);
        }
        return new CatalogItemsAction.Response(randomBoolean(), items);
    }

    @Override
    protected CatalogItemsAction.Response mutateInstance(CatalogItemsAction.Response r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<CatalogItemsAction.Response> instanceReader() {
        return CatalogItemsAction.Response::new;
    }

    public void testShardsMergeTheirValuesOfOneItem() {
        Map<String, Map<String, List<String>>> merged = CatalogItemsReads.merge(
                List.of(
                        new CatalogItemsAction.Response(true, Map.of("a", Map.of("c", List.of("y")))),
                        new CatalogItemsAction.Response(
                                true, Map.of("a", Map.of("c", List.of("x", "z")), "b", Map.of()))),
                2);
        assertEquals(Map.of("a", Map.of("c", List.of("x", "y")), "b", Map.of()), merged);
        assertNull(CatalogItemsReads.merge(
                List.of(
                        new CatalogItemsAction.Response(true, Map.of()),
                        new CatalogItemsAction.Response(false, Map.of())),
                10));
    }
}
