package io.personalize.action;

import io.personalize.recommend.Reason;
import io.personalize.recommend.Recommendation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** {@code _recommend}'s answer (items, scores, reasons and their _source), as the serving node returns it. */
public class RecommendResponseSerializationTests extends AbstractWireSerializingTestCase<RecommendAction.Response> {

    private static Reason randomReason() {
        return Reason.item(randomFrom(Reason.Type.values()), randomAlphaOfLengthBetween(1, 10), randomFloat());
    }

    private static Recommendation randomRecommendation() {
        // no _source travels as an empty one: the answer shows neither
        Map<String, Object> source = new HashMap<>();
        int fields = between(0, 3);
        for (int i = 0; i < fields; i++) {
            source.put(
                    randomAlphaOfLengthBetween(1, 8),
                    randomBoolean() ? randomAlphaOfLengthBetween(0, 10) : randomInt());
        }
        return new Recommendation(
                randomAlphaOfLengthBetween(1, 12),
                randomFloat(),
                randomList(0, 3, RecommendResponseSerializationTests::randomReason),
                source);
    }

    @Override
    protected RecommendAction.Response createTestInstance() {
        return new RecommendAction.Response(
                randomAlphaOfLengthBetween(1, 12),
                randomNonNegativeLong(),
                randomNonNegativeLong(),
                randomList(0, 5, RecommendResponseSerializationTests::randomRecommendation));
    }

    @Override
    protected RecommendAction.Response mutateInstance(RecommendAction.Response r) {
        return randomValueOtherThan(r, this::createTestInstance);
    }

    @Override
    protected Writeable.Reader<RecommendAction.Response> instanceReader() {
        return RecommendAction.Response::new;
    }

    public void testNoSourceIsShownAsNone() throws Exception {
        RecommendAction.Response response =
                new RecommendAction.Response("m", 1, 0, List.of(new Recommendation("a", 1f, List.of(), null)));
        assertEquals(copyInstance(response).recommendations().get(0).source(), Map.of());
    }
}
