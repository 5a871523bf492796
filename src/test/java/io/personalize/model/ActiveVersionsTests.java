package io.personalize.model;

import java.util.Map;
import org.elasticsearch.test.ESTestCase;

/** The rules of the cluster state's active versions: a late publication never moves a model back in time. */
public class ActiveVersionsTests extends ESTestCase {

    private static ModelStatus.Version version(long v) {
        return new ModelStatus.Version(
                v, ".personalize-data-shop.abc.v" + v, "training", 1000 + v, 0, 0, 0, 0, 0, null);
    }

    private static ActiveVersions.Entry entry(long term, long seqNo, long v) {
        return new ActiveVersions.Entry("abc", term, seqNo, version(v));
    }

    public void testANewerWriteReplacesTheEntry() {
        ActiveVersions versions = ActiveVersions.EMPTY.put("shop", entry(1, 5, 1));
        assertEquals(
                2, versions.put("shop", entry(1, 9, 2)).get("shop").active().version());
        assertEquals(
                2, versions.put("shop", entry(2, 0, 2)).get("shop").active().version());
    }

    public void testAnOlderWriteIsIgnored() {
        ActiveVersions versions = ActiveVersions.EMPTY.put("shop", entry(2, 5, 3));
        assertSame(versions, versions.put("shop", entry(2, 4, 2)));
        assertSame(versions, versions.put("shop", entry(1, 99, 2)));
        assertSame(versions, versions.put("shop", entry(2, 5, 3)));
    }

    public void testSeenByACopyAtLeastAsNew() {
        ActiveVersions.Entry entry = entry(1, 5, 1);
        ModelStatus status = ModelStatus.created();
        ModelStore.StoredModel older = new ModelStore.StoredModel("shop", null, status, 4, 1);
        ModelStore.StoredModel same = new ModelStore.StoredModel("shop", null, status, 5, 1);
        ModelStore.StoredModel newer = new ModelStore.StoredModel("shop", null, status, 6, 1);
        ActiveVersions.Entry ofStatus = new ActiveVersions.Entry(status.uuid(), 1, 5, null);
        assertFalse(ofStatus.seenBy(older));
        assertTrue(ofStatus.seenBy(same));
        assertTrue(ofStatus.seenBy(newer));
        assertFalse("another incarnation", entry.seenBy(newer));
    }

    public void testRemoveDropsOnlyThatModel() {
        ActiveVersions versions = new ActiveVersions(Map.of("shop", entry(1, 1, 1), "blog", entry(1, 2, 1)));
        assertEquals(Map.of("blog", entry(1, 2, 1)), versions.remove("shop").models());
        assertSame(versions, versions.remove("nope"));
    }
}
