package io.personalize.action;

import io.personalize.PersonalizePlugin;
import io.personalize.recommend.ShelfQuery;
import java.util.List;
import java.util.Locale;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.search.SearchModule;
import org.elasticsearch.search.fetch.subphase.FetchSourceContext;
import org.elasticsearch.test.AbstractWireSerializingTestCase;

/** {@code _recommend}'s request, filter and {@code _source} included, as a node forwards it. */
public class RecommendRequestSerializationTests extends AbstractWireSerializingTestCase<RecommendAction.Request> {

    static RecommendAction.Request randomRequest() {
        ShelfQuery.Builder body =
                new ShelfQuery.Builder().model(randomAlphaOfLengthBetween(1, 12).toLowerCase(Locale.ROOT));
        if (randomBoolean()) {
            body.userId(randomAlphaOfLengthBetween(1, 20));
        }
        body.itemIds(randomList(0, 4, () -> randomAlphaOfLengthBetween(1, 10)))
                .size(between(1, 100))
                .excludeSeen(randomBoolean())
                .exclude(randomList(0, 4, () -> randomAlphaOfLengthBetween(1, 10)))
                .diversity(randomFloat())
                .explain(randomBoolean())
                .recentItems(between(0, 100))
                .similarContentWeight(randomFloat())
                .contentSlots(between(1, 20))
                .contentNeighbors(between(1, 100))
                .contentDirections(between(0, 64))
                .contentSources(between(1, 100))
                .contentSupport(between(1, 100));
        if (randomBoolean()) { // else not given: its default depends on the model's catalogue
            body.contentWeight(randomFloat());
        }
        if (randomBoolean()) {
            body.filter(QueryBuilders.termQuery(randomAlphaOfLengthBetween(1, 10), randomAlphaOfLengthBetween(1, 10)));
        }
        if (randomBoolean()) {
            body.source(FetchSourceContext.of(
                    true,
                    randomList(0, 3, () -> randomAlphaOfLengthBetween(1, 8)).toArray(String[]::new),
                    randomList(0, 3, () -> randomAlphaOfLengthBetween(1, 8)).toArray(String[]::new)));
        }
        RecommendAction.Request request = new RecommendAction.Request(body.build());
        return randomBoolean() ? request : request.index(randomAlphaOfLengthBetween(1, 12));
    }

    @Override
    protected RecommendAction.Request createTestInstance() {
        return randomRequest();
    }

    @Override
    protected RecommendAction.Request mutateInstance(RecommendAction.Request r) {
        return randomValueOtherThan(r, RecommendRequestSerializationTests::randomRequest);
    }

    @Override
    protected Writeable.Reader<RecommendAction.Request> instanceReader() {
        return RecommendAction.Request::new;
    }

    @Override
    protected NamedWriteableRegistry getNamedWriteableRegistry() {
        return new NamedWriteableRegistry(
                new SearchModule(Settings.EMPTY, List.of(new PersonalizePlugin())).getNamedWriteables());
    }
}
