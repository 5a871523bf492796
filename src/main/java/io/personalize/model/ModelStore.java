package io.personalize.model;

import io.personalize.compat.GetIndexRequests;
import io.personalize.compat.TotalHitsCount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.DocWriteRequest;
import org.elasticsearch.action.admin.indices.delete.DeleteIndexRequest;
import org.elasticsearch.action.admin.indices.get.GetIndexRequest;
import org.elasticsearch.action.delete.DeleteRequest;
import org.elasticsearch.action.get.GetRequest;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.action.search.SearchRequest;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.action.support.WriteRequest;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.client.internal.OriginSettingClient;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.io.stream.Writeable;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.index.IndexNotFoundException;
import org.elasticsearch.index.engine.DocumentMissingException;
import org.elasticsearch.index.engine.VersionConflictEngineException;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.xcontent.ConstructingObjectParser;
import org.elasticsearch.xcontent.ParseField;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentFactory;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.XContentType;

/**
 * Reads and writes model documents in {@link ModelIndices#MODELS}. Every status change is a compare-and-set on the
 * document's sequence number, so concurrent changes from different nodes cannot overwrite each other.
 */
public final class ModelStore {

    private static final Logger logger = LogManager.getLogger(ModelStore.class);

    /** A model as stored: its configuration, its status, and the sequence number to change it with. */
    public record StoredModel(String name, ModelConfig config, ModelStatus status, long seqNo, long primaryTerm)
            implements ToXContentObject, Writeable {

        public StoredModel(StreamInput in) throws IOException {
            this(in.readString(), new ModelConfig(in), new ModelStatus(in), in.readZLong(), in.readZLong());
        }

        public static StoredModel readFrom(StreamInput in) throws IOException {
            return new StoredModel(in);
        }

        @Override
        public void writeTo(StreamOutput out) throws IOException {
            out.writeString(name);
            config.writeTo(out);
            status.writeTo(out);
            out.writeZLong(seqNo);
            out.writeZLong(primaryTerm);
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().field("name", name).field("config", config).field("status");
            status.toXContent(builder, params); // with the caller's params: GET marks the missing version indices
            return builder.endObject();
        }
    }

    private final Client client;

    /** How often a deletion whose indices another deleter deleted meanwhile is sent again. */
    private static final int DELETE_ATTEMPTS = 3;

    public ModelStore(Client client) {
        this.client = new OriginSettingClient(client, ModelIndices.ORIGIN);
    }

    /** The client that reads and writes the plugin's system indices. */
    public Client systemClient() {
        return client;
    }

    public static ResourceNotFoundException notFound(String name) {
        return new ResourceNotFoundException("model [" + name + "] not found");
    }

    public void get(String name, ActionListener<StoredModel> listener) {
        get(name, null, listener);
    }

    /**
     * The model as {@link #get(String, ActionListener)} reads it, but {@code known} itself (its source not parsed again)
     * when the document has not changed since it was read: serving asks on every request. {@code known} may be null.
     */
    public void get(String name, StoredModel known, ActionListener<StoredModel> listener) {
        client.get(
                new GetRequest(ModelIndices.MODELS, name),
                ActionListener.wrap(
                        response -> {
                            if (response.isExists() == false) {
                                listener.onFailure(notFound(name));
                            } else if (known != null
                                    && response.getSeqNo() == known.seqNo()
                                    && response.getPrimaryTerm() == known.primaryTerm()) {
                                listener.onResponse(known);
                            } else {
                                listener.onResponse(parse(
                                        name,
                                        response.getSourceAsBytesRef(),
                                        response.getSeqNo(),
                                        response.getPrimaryTerm()));
                            }
                        },
                        e -> listener.onFailure(e instanceof IndexNotFoundException ? notFound(name) : e)));
    }

    public void list(ActionListener<List<StoredModel>> listener) {
        SearchRequest search = new SearchRequest(ModelIndices.MODELS)
                .source(new SearchSourceBuilder().size(10_000).seqNoAndPrimaryTerm(true))
                .indicesOptions(IndicesOptions.lenientExpandOpenHidden());
        client.search(
                search,
                ActionListener.wrap(
                        response -> {
                            List<StoredModel> models = new ArrayList<>();
                            for (SearchHit hit : response.getHits().getHits()) {
                                models.add(
                                        parse(hit.getId(), hit.getSourceRef(), hit.getSeqNo(), hit.getPrimaryTerm()));
                            }
                            models.sort(Comparator.comparing(StoredModel::name));
                            listener.onResponse(models);
                        },
                        e -> {
                            if (e instanceof IndexNotFoundException) {
                                listener.onResponse(List.of());
                            } else {
                                listener.onFailure(e);
                            }
                        }));
    }

    /**
     * Every model, or a failure unless all of them could be read (a shard failure, more models than one page): for
     * deciding what is an orphan, where a model missed would be a model's data deleted.
     */
    public void listAll(ActionListener<List<StoredModel>> listener) {
        SearchRequest search = new SearchRequest(ModelIndices.MODELS)
                .source(new SearchSourceBuilder()
                        .size(10_000)
                        .seqNoAndPrimaryTerm(true)
                        .trackTotalHits(true))
                .indicesOptions(IndicesOptions.strictExpandHidden());
        client.search(search, listener.delegateFailureAndWrap((l, response) -> {
            long total = TotalHitsCount.of(response.getHits());
            if (response.getFailedShards() > 0
                    || response.isTimedOut()
                    || response.getSuccessfulShards() < response.getTotalShards()
                    || total != response.getHits().getHits().length) {
                throw new IllegalStateException("could not read every model: " + response);
            }
            List<StoredModel> models = new ArrayList<>();
            for (SearchHit hit : response.getHits().getHits()) {
                models.add(parse(hit.getId(), hit.getSourceRef(), hit.getSeqNo(), hit.getPrimaryTerm()));
            }
            l.onResponse(models);
        }));
    }

    /** Creates the model, or replaces its configuration keeping its versions and status. Answers whether it was created. */
    public void put(String name, ModelConfig config, ActionListener<Boolean> listener) {
        get(
                name,
                ActionListener.wrap(
                        existing -> {
                            write(
                                    new StoredModel(
                                            name, config, existing.status(), existing.seqNo(), existing.primaryTerm()),
                                    listener.map(m -> false));
                        },
                        e -> {
                            if (e instanceof ResourceNotFoundException) {
                                // a new model, or one deleted and created again: a new incarnation, a new uuid
                                write(
                                        new StoredModel(name, config, ModelStatus.created(), -1, -1),
                                        listener.map(m -> true));
                            } else {
                                listener.onFailure(e);
                            }
                        }));
    }

    /**
     * Changes the status of {@code current} if nobody changed the model since it was read; a concurrent change gets a
     * 409 with {@code conflictMessage}.
     */
    public void updateStatus(
            StoredModel current,
            UnaryOperator<ModelStatus> change,
            String conflictMessage,
            ActionListener<StoredModel> listener) {
        StoredModel next = new StoredModel(
                current.name(),
                current.config(),
                change.apply(current.status()),
                current.seqNo(),
                current.primaryTerm());
        write(next, ActionListener.wrap(listener::onResponse, e -> {
            if (e instanceof VersionConflictEngineException) {
                listener.onFailure(new ElasticsearchStatusException(conflictMessage, RestStatus.CONFLICT, e));
            } else {
                listener.onFailure(e);
            }
        }));
    }

    /** Reads the model again and changes its status, retrying when another change got there first. */
    public void updateStatus(String name, UnaryOperator<ModelStatus> change, ActionListener<StoredModel> listener) {
        updateModel(name, current -> change.apply(current.status()), listener);
    }

    /**
     * Reads the model again and replaces its status with what {@code change} makes of the whole model (its
     * configuration and status as they are now), retrying when another change got there first: the check and the
     * change are one compare-and-set. {@code change} may throw to refuse, and answer null to leave the model as it is.
     */
    public void updateModel(
            String name, Function<StoredModel, ModelStatus> change, ActionListener<StoredModel> listener) {
        updateModel(name, change, 5, listener);
    }

    private void updateModel(
            String name,
            Function<StoredModel, ModelStatus> change,
            int attempts,
            ActionListener<StoredModel> listener) {
        get(name, listener.delegateFailureAndWrap((l, current) -> {
            ModelStatus changed = change.apply(current);
            if (changed == null) {
                l.onResponse(current);
                return;
            }
            StoredModel next = new StoredModel(name, current.config(), changed, current.seqNo(), current.primaryTerm());
            write(next, ActionListener.wrap(l::onResponse, e -> {
                if (e instanceof VersionConflictEngineException && attempts > 1) {
                    updateModel(name, change, attempts - 1, l);
                } else {
                    l.onFailure(e);
                }
            }));
        }));
    }

    /**
     * Deletes the model's document, if it is still {@code model} as read (else 409), and every version index of this
     * incarnation: only its own, so that a model created again under the same name meanwhile keeps its data.
     */
    public void delete(StoredModel model, ActionListener<Void> listener) {
        delete(model, done -> done.onResponse(null), listener);
    }

    /** {@link #delete(StoredModel, ActionListener)}, running {@code beforeData} between the document and the indices. */
    public void delete(
            StoredModel model,
            java.util.function.Consumer<ActionListener<Void>> beforeData,
            ActionListener<Void> listener) {
        DeleteRequest delete = new DeleteRequest(ModelIndices.MODELS, model.name())
                .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE)
                .setIfSeqNo(model.seqNo())
                .setIfPrimaryTerm(model.primaryTerm());
        Runnable data = () -> beforeData.accept(listener.delegateFailureAndWrap((l, ok) -> deleteDataIndices(
                ModelIndices.dataIndexPattern(model.name(), model.status().uuid()),
                l.delegateFailureAndWrap((l2, deleted) -> deleteIndices(
                        List.of(ModelIndices.recentIndex(
                                model.name(), model.status().uuid())),
                        l2)))));
        client.delete(
                delete,
                ActionListener.wrap(
                        response -> {
                            if (response.status() == RestStatus.NOT_FOUND) {
                                listener.onFailure(notFound(model.name()));
                            } else {
                                data.run();
                            }
                        },
                        e -> {
                            if (e instanceof IndexNotFoundException || e instanceof DocumentMissingException) {
                                listener.onFailure(notFound(model.name()));
                            } else if (e instanceof VersionConflictEngineException) {
                                deletedAlready(model, data, e, listener);
                            } else {
                                listener.onFailure(e);
                            }
                        }));
    }

    /**
     * A deletion that met a conflict may have been applied, as a write may ({@link #writtenAlready}): sent again to the
     * promoted copy, it finds no document. With no document the model is gone, by this deletion or another one: its
     * data goes (this incarnation's indices only; deleting them twice is harmless), rather than being left to the
     * orphan check after a 409. A document there is another change: the 409.
     */
    private void deletedAlready(StoredModel model, Runnable data, Exception conflict, ActionListener<Void> listener) {
        client.get(
                new GetRequest(ModelIndices.MODELS, model.name()),
                ActionListener.wrap(
                        response -> {
                            if (response.isExists()) {
                                listener.onFailure(new ElasticsearchStatusException(
                                        "model [" + model.name() + "] changed while it was deleted; try again",
                                        RestStatus.CONFLICT,
                                        conflict));
                            } else {
                                data.run();
                            }
                        },
                        e -> {
                            conflict.addSuppressed(e);
                            listener.onFailure(conflict);
                        }));
    }

    /** Deletes the version indices matching a pattern, resolved to concrete names (wildcard deletes are refused by default). */
    public void deleteDataIndices(String pattern, ActionListener<Void> listener) {
        deleteDataIndices(pattern, DELETE_ATTEMPTS, listener);
    }

    private void deleteDataIndices(String pattern, int attempts, ActionListener<Void> listener) {
        GetIndexRequest get =
                GetIndexRequests.create().indices(pattern).indicesOptions(IndicesOptions.lenientExpandHidden());
        client.admin().indices().getIndex(get, listener.delegateFailureAndWrap((l, response) -> {
            String[] indices = response.getIndices();
            if (indices.length == 0) {
                l.onResponse(null);
            } else {
                client.admin()
                        .indices()
                        .delete(
                                new DeleteIndexRequest(indices),
                                againIfOneWasGone(attempts, l, () -> deleteDataIndices(pattern, attempts - 1, l)));
            }
        }));
    }

    public void deleteIndices(List<String> indices, ActionListener<Void> listener) {
        deleteIndices(indices, DELETE_ATTEMPTS, listener);
    }

    private void deleteIndices(List<String> indices, int attempts, ActionListener<Void> listener) {
        if (indices.isEmpty()) {
            listener.onResponse(null);
            return;
        }
        DeleteIndexRequest delete = new DeleteIndexRequest(indices.toArray(String[]::new))
                .indicesOptions(IndicesOptions.lenientExpandHidden());
        client.admin()
                .indices()
                .delete(
                        delete,
                        againIfOneWasGone(attempts, listener, () -> deleteIndices(indices, attempts - 1, listener)));
    }

    /**
     * Another deleter can delete one of the indices between their resolution and the master's deletion (the master's
     * orphan check once a model's document is gone, an abandoned build, an operator). Before 9.5, Elasticsearch's master
     * then fails the whole deletion with {@code index_not_found_exception} for the resolved index (9.5 skips it): the
     * index is gone, which is what was asked, so the deletion is sent again and resolves what is left.
     */
    private static ActionListener<AcknowledgedResponse> againIfOneWasGone(
            int attempts, ActionListener<Void> listener, Runnable again) {
        return ActionListener.wrap(deleted -> listener.onResponse(null), e -> {
            if (attempts > 1 && ExceptionsHelper.unwrap(e, IndexNotFoundException.class) != null) {
                again.run();
            } else {
                listener.onFailure(e);
            }
        });
    }

    private void write(StoredModel model, ActionListener<StoredModel> listener) {
        BytesReference source = BytesReference.bytes(toSource(model));
        IndexRequest index = new IndexRequest(ModelIndices.MODELS)
                .id(model.name())
                .source(source, XContentType.JSON)
                .setRefreshPolicy(WriteRequest.RefreshPolicy.IMMEDIATE);
        if (model.seqNo() >= 0) {
            index.setIfSeqNo(model.seqNo()).setIfPrimaryTerm(model.primaryTerm());
        } else {
            index.opType(DocWriteRequest.OpType.CREATE);
        }
        client.index(
                index,
                ActionListener.wrap(
                        r -> listener.onResponse(new StoredModel(
                                model.name(), model.config(), model.status(), r.getSeqNo(), r.getPrimaryTerm())),
                        e -> writtenAlready(model, source, e, listener)));
    }

    /**
     * A write of the models index can fail after it was applied: its primary's node died once the copies had it, and
     * Elasticsearch sent the same request to the promoted copy, where the compare-and-set met the write's own change (a
     * version conflict; a create finds the document). Such a write succeeded, and answering its failure would make its
     * caller undo or forget what the model now says (an import session's reservation, written so, was taken for a dead
     * one and settled as interrupted: {@code SparkFailoverIT} on CI). So a failed write reads the document back: when it
     * holds exactly what the write sent, the write succeeded, at the sequence number read. Anything else (another change,
     * no document, the read failing) is the write's failure.
     */
    private void writtenAlready(
            StoredModel model, BytesReference source, Exception failure, ActionListener<StoredModel> listener) {
        client.get(
                new GetRequest(ModelIndices.MODELS, model.name()),
                ActionListener.wrap(
                        response -> {
                            if (response.isExists()
                                    && XContentHelper.convertToMap(source, false, XContentType.JSON)
                                            .v2()
                                            .equals(response.getSourceAsMap())) {
                                logger.info(
                                        "model [{}]: a write of its document failed ({}) but the document holds it:"
                                                + " applied before the failure",
                                        model.name(),
                                        failure.toString());
                                listener.onResponse(new StoredModel(
                                        model.name(),
                                        model.config(),
                                        model.status(),
                                        response.getSeqNo(),
                                        response.getPrimaryTerm()));
                            } else {
                                listener.onFailure(failure);
                            }
                        },
                        e -> {
                            failure.addSuppressed(e);
                            listener.onFailure(failure);
                        }));
    }

    private static XContentBuilder toSource(StoredModel model) {
        try {
            return model.toXContent(XContentFactory.jsonBuilder(), ToXContentObject.EMPTY_PARAMS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Document(ModelConfig config, ModelStatus status) {}

    private static final ConstructingObjectParser<Document, Void> DOCUMENT = new ConstructingObjectParser<>(
            "model_document",
            true,
            a -> new Document((ModelConfig) a[0], a[1] == null ? ModelStatus.NEW : (ModelStatus) a[1]));

    static {
        DOCUMENT.declareObject(
                ConstructingObjectParser.constructorArg(), (p, c) -> ModelConfig.parse(p), new ParseField("config"));
        DOCUMENT.declareObject(
                ConstructingObjectParser.optionalConstructorArg(), ModelStatus.PARSER, new ParseField("status"));
    }

    static StoredModel parse(String name, BytesReference source, long seqNo, long primaryTerm) throws IOException {
        try (XContentParser parser = XContentHelper.createParser(XContentParserConfiguration.EMPTY, source)) {
            Document document = DOCUMENT.apply(parser, null);
            return new StoredModel(name, document.config(), document.status(), seqNo, primaryTerm);
        }
    }
}
