package io.personalize.ingest;

import static org.elasticsearch.test.hamcrest.ElasticsearchAssertions.assertResponse;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.personalize.PersonalizePlugin;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.elasticsearch.action.bulk.BulkRequestBuilder;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.get.GetRequest;
import org.elasticsearch.action.search.SearchResponse;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.ingest.IngestPipelineTestUtils;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.search.fetch.subphase.FetchSourceContext;
import org.elasticsearch.search.vectors.KnnSearchBuilder;
import org.elasticsearch.test.ESSingleNodeTestCase;
import org.elasticsearch.xcontent.XContentType;

/** The processor inside a node: pipeline, bulk indexing into a cosine dense_vector field, and knn over the result. */
public class ItemVectorSingleNodeTests extends ESSingleNodeTestCase {

    @Override
    protected Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(PersonalizePlugin.class);
    }

    public void testIndexedVectorsServeKnn() {
        IngestPipelineTestUtils.putJsonPipeline(client(), "vectors", """
            {"processors": [{"item_vector": {"fields": {"title": 3, "category": 1}, "dims": 64, "analyzer": "english"}}]}""");
        client().admin().indices().prepareCreate("products").setMapping("""
            {"properties": {"title": {"type": "text"}, "content_vector": {"type": "dense_vector", "dims": 64, "similarity": "cosine"}}}""").get();

        BulkRequestBuilder bulk = client().prepareBulk().setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        String[][] products = {
            {"1", "WHITE HANGING HEART T-LIGHT HOLDER", "candles"},
            {"2", "RED HANGING HEART T-LIGHT HOLDER", "candles"},
            {"3", "LUNCH BAG RED RETROSPOT", "bags"},
            {"4", "JUMBO BAG PINK POLKADOT", "bags"},
            {"5", "SET OF 3 CAKE TINS PANTRY DESIGN", "kitchen"}
        };
        for (String[] p : products) {
            bulk.add(client().prepareIndex("products")
                    .setId(p[0])
                    .setPipeline("vectors")
                    .setSource(Map.of("title", p[1], "category", p[2])));
        }
        BulkResponse response = bulk.get();
        assertFalse(response.buildFailureMessage(), response.hasFailures());

        @SuppressWarnings("unchecked")
        List<Number> white = (List<Number>) client().get(
                        // dense_vector values are left out of _source by default since 9.x
                        new GetRequest("products", "1")
                                .fetchSourceContext(FetchSourceContext.of(true, false, null, null)))
                .actionGet()
                .getSource()
                .get("content_vector");
        float[] query = new float[white.size()];
        for (int i = 0; i < query.length; i++) {
            query[i] = white.get(i).floatValue();
        }
        SearchSourceBuilder source = new SearchSourceBuilder()
                .knnSearch(List.of(new KnnSearchBuilder("content_vector", query, 2, 10, null, null, null)));
        assertResponse(client().prepareSearch("products").setSource(source), (SearchResponse search) -> {
            assertThat(search.getHits().getHits().length, equalTo(2));
            assertThat(search.getHits().getAt(0).getId(), equalTo("1"));
            assertThat(
                    "the other heart holder is the nearest neighbour",
                    search.getHits().getAt(1).getId(),
                    equalTo("2"));
        });
    }

    public void testDocumentWithoutTextIsRejectedWithReason() {
        IngestPipelineTestUtils.putJsonPipeline(client(), "strict", """
            {"processors": [{"item_vector": {"fields": ["title"]}}]}""");
        BulkResponse response = client().prepareBulk()
                .add(client().prepareIndex("products")
                        .setPipeline("strict")
                        .setSource("{\"title\": \"\"}", XContentType.JSON))
                .add(client().prepareIndex("products")
                        .setPipeline("strict")
                        .setSource("{\"title\": \"lantern\"}", XContentType.JSON))
                .get();
        assertTrue(response.getItems()[0].isFailed());
        assertThat(response.getItems()[0].getFailureMessage(), containsString("has any text to vectorize"));
        assertFalse("one bad document does not fail the others", response.getItems()[1].isFailed());
    }
}
