package io.personalize.action;

import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.IndicesRequest;
import org.elasticsearch.action.UntypedActionRequest;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;

import java.io.IOException;
import java.util.Objects;

import static org.elasticsearch.action.ValidateActions.addValidationError;

/**
 * The inner action of {@code _recommend}: a {@link RecommendAction.Request} with the model's catalogue index resolved
 * ({@link CatalogResolver}), authorized against that index (the {@code read} privilege on the catalogue grants it, as
 * it grants a search of it). Sent by {@link TransportRecommendAction} as the caller; not a REST endpoint.
 */
public final class RecommendFromCatalogAction {

    public static final String NAME = RecommendAction.NAME + "[catalog]";
    public static final ActionType<RecommendAction.Response> TYPE = new ActionType<>(NAME);

    private RecommendFromCatalogAction() {}

    public static final class Request extends UntypedActionRequest implements IndicesRequest {
        private final RecommendAction.Request recommend;
        // the model's catalogue index: what the caller must be allowed to read
        private final String index;

        public Request(RecommendAction.Request recommend, String index) {
            this.recommend = Objects.requireNonNull(recommend);
            this.index = index;
        }

        public Request(StreamInput in) throws IOException {
            super(in);
            this.recommend = new RecommendAction.Request(in);
            this.index = in.readString();
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            super.writeTo(out);
            recommend.writeTo(out);
            out.writeString(index);
        }

        @Override
        public ActionRequestValidationException validate() {
            ActionRequestValidationException e = recommend.validate();
            return index == null || index.isEmpty() ? addValidationError("the model's catalogue index is not set", e) : e;
        }

        @Override
        public String[] indices() {
            return new String[] { index };
        }

        @Override
        public IndicesOptions indicesOptions() {
            return IndicesOptions.strictSingleIndexNoExpandForbidClosed();
        }

        public RecommendAction.Request recommend() {
            return recommend;
        }

        public String index() {
            return index;
        }
    }
}
