package io.personalize.rescore;

import java.io.IOException;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractXContentSerializingTestCase;
import org.elasticsearch.xcontent.XContentParser;

/** The rescorer's weights, as given in a search request and sent to the shards. */
public class RescoreWeightsSerializationTests extends AbstractXContentSerializingTestCase<RescoreWeights> {

    static RescoreWeights randomWeights() {
        return new RescoreWeights(weight(), weight(), weight(), weight(), weight());
    }

    private static float weight() {
        return randomBoolean() ? 0f : randomFloatBetween(0f, 10f, true);
    }

    @Override
    protected RescoreWeights createTestInstance() {
        return randomWeights();
    }

    @Override
    protected RescoreWeights mutateInstance(RescoreWeights w) {
        float other = w.query() + 1;
        return switch (between(0, 4)) {
            case 0 ->
                new RescoreWeights(other, w.itemSimilarity(), w.userAffinity(), w.attributeAffinity(), w.popularity());
            case 1 ->
                new RescoreWeights(
                        w.query(), w.itemSimilarity() + 1, w.userAffinity(), w.attributeAffinity(), w.popularity());
            case 2 ->
                new RescoreWeights(
                        w.query(), w.itemSimilarity(), w.userAffinity() + 1, w.attributeAffinity(), w.popularity());
            case 3 ->
                new RescoreWeights(
                        w.query(), w.itemSimilarity(), w.userAffinity(), w.attributeAffinity() + 1, w.popularity());
            default ->
                new RescoreWeights(
                        w.query(), w.itemSimilarity(), w.userAffinity(), w.attributeAffinity(), w.popularity() + 1);
        };
    }

    @Override
    protected Writeable.Reader<RescoreWeights> instanceReader() {
        return RescoreWeights::new;
    }

    @Override
    protected RescoreWeights doParseInstance(XContentParser parser) throws IOException {
        return RescoreWeights.PARSER.apply(parser, null);
    }
}
