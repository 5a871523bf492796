package io.personalize.model;

import org.elasticsearch.test.ESTestCase;

public class ModelIndicesTests extends ESTestCase {

    public void testAVersionIndexBelongsToItsModelOnly() {
        assertTrue(ModelIndices.isDataIndexOf(ModelIndices.dataIndex("shop", 3), "shop"));
        assertTrue(ModelIndices.isDataIndexOf(ModelIndices.dataIndex("shop.v2", 12), "shop.v2"));
        assertFalse(ModelIndices.isDataIndexOf(ModelIndices.dataIndex("shop2", 3), "shop"));
        assertFalse(ModelIndices.isDataIndexOf(ModelIndices.dataIndex("shop.v2", 3), "shop"));
        assertFalse(ModelIndices.isDataIndexOf(".personalize-data-shop.v", "shop"));
        assertFalse(ModelIndices.isDataIndexOf("products", "shop"));
    }
}
