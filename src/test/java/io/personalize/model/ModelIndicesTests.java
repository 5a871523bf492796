package io.personalize.model;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import org.elasticsearch.common.regex.Regex;
import org.elasticsearch.test.ESTestCase;

public class ModelIndicesTests extends ESTestCase {

    public void testAVersionIndexBelongsToItsModelOnly() {
        assertTrue(ModelIndices.isDataIndexOf(ModelIndices.dataIndex("shop", 3), "shop"));
        assertTrue(ModelIndices.isDataIndexOf(ModelIndices.dataIndex("shop", "0123456789abcdef", 3), "shop"));
        assertFalse(ModelIndices.isDataIndexOf(ModelIndices.dataIndex("shop2", 3), "shop"));
        assertFalse(ModelIndices.isDataIndexOf(ModelIndices.dataIndex("shop-2", "0123456789abcdef", 3), "shop"));
        assertFalse(ModelIndices.isDataIndexOf(ModelIndices.dataIndex("shop", "0123456789abcdef", 3), "shop-2"));
        assertFalse(ModelIndices.isDataIndexOf(".personalize-data-shop.v", "shop"));
        assertFalse(ModelIndices.isDataIndexOf(".personalize-data-shop.0123.v", "shop"));
        assertFalse(ModelIndices.isDataIndexOf("products", "shop"));
    }

    public void testAVersionIndexNamesItsModelIncarnationAndVersion() {
        String uuid = ModelIndices.newUuid();
        assertThat(
                ModelIndices.parseDataIndex(ModelIndices.dataIndex("shop", uuid, 12)),
                equalTo(new ModelIndices.DataIndex("shop", uuid, 12)));
        assertThat(
                ModelIndices.parseDataIndex(ModelIndices.dataIndex("shop", 12)),
                equalTo(new ModelIndices.DataIndex("shop", null, 12)));
        assertThat(ModelIndices.parseDataIndex(".personalize-data-shop.XYZ.v1"), nullValue());
        assertThat(ModelIndices.parseDataIndex(".personalize-data-shop.v1x"), nullValue());
        assertThat(ModelIndices.parseDataIndex(".personalize-models"), nullValue());
    }

    public void testTwoIncarnationsOfAModelNeverShareAnIndexName() {
        String first = ModelIndices.newUuid();
        String second = ModelIndices.newUuid();
        assertNotEquals(ModelIndices.dataIndex("shop", first, 1), ModelIndices.dataIndex("shop", second, 1));
        assertTrue(Regex.simpleMatch(
                ModelIndices.dataIndexPattern("shop", first), ModelIndices.dataIndex("shop", first, 7)));
        assertFalse(Regex.simpleMatch(
                ModelIndices.dataIndexPattern("shop", first), ModelIndices.dataIndex("shop", second, 7)));
        assertFalse(Regex.simpleMatch(
                ModelIndices.dataIndexPattern("shop", null), ModelIndices.dataIndex("shop", first, 7)));
    }
}
