package io.personalize.action;

import io.personalize.model.ApiEvent;
import io.personalize.model.ModelConfig;
import io.personalize.model.ModelIndices;
import io.personalize.model.ModelStore;
import io.personalize.profile.CatalogResolver;
import io.personalize.profile.ProfileLoader;
import io.personalize.profile.RecentItems;
import io.personalize.profile.RecentItemsWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.DocWriteRequest;
import org.elasticsearch.action.admin.indices.delete.DeleteIndexRequest;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.index.engine.VersionConflictEngineException;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

/**
 * Takes events for a model: each is checked against the model's schema ({@link ApiEvent}: a bad one is answered 400 on
 * its own), the good ones are created in the model's events index as the caller, in one bulk, with their {@code _id}
 * when they have one (their privileges apply; an event the index refuses keeps the index's status and reason), and
 * those written are merged into their users' {@link RecentItems} documents by the plugin before the answer, as are
 * those sent again whose {@code _id} was written before ({@link #alreadyWritten}). The answer therefore means: the next
 * request for that user, on any node, counts these events, whatever the events index's refresh interval.
 */
public final class TransportEventsAction extends HandledTransportAction<EventsAction.Request, EventsAction.Response> {

    private static final Logger logger = LogManager.getLogger(TransportEventsAction.class);

    private final Client client;
    private final ProfileLoader profiles;
    private final RecentItemsWriter recent;
    private final ClusterService clusterService;

    @Inject
    public TransportEventsAction(
            TransportService transportService,
            ActionFilters actionFilters,
            Client client,
            ProfileLoader profiles,
            ClusterService clusterService) {
        super(
                EventsAction.NAME,
                transportService,
                actionFilters,
                EventsAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.client = client;
        this.profiles = profiles;
        this.recent = new RecentItemsWriter(profiles.systemClient(), profiles.forgottenUsers());
        this.clusterService = clusterService;
    }

    @Override
    protected void doExecute(Task task, EventsAction.Request request, ActionListener<EventsAction.Response> listener) {
        long start = System.nanoTime();
        profiles.currentModel(request.model(), listener.delegateFailureAndWrap((l, model) -> {
            String eventsIndex = model.config().events().index();
            if (eventsIndex.equals(request.index()) == false) {
                // the caller was authorized for request.index(): it must be the index written to
                throw new CatalogResolver.CatalogMismatchException("model [" + model.name() + "] takes its events in ["
                        + eventsIndex + "], not in [" + request.index() + "]");
            }
            write(model, request, start, l);
        }));
    }

    private void write(
            ModelStore.StoredModel model,
            EventsAction.Request request,
            long start,
            ActionListener<EventsAction.Response> listener) {
        ModelConfig.Events schema = model.config().events();
        long now = System.currentTimeMillis();
        EventsAction.Item[] items = new EventsAction.Item[request.events().size()];
        List<ApiEvent> valid = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        BulkRequest bulk = new BulkRequest();
        for (int i = 0; i < items.length; i++) {
            try {
                ApiEvent event = ApiEvent.parse(request.events().get(i), schema, now);
                valid.add(event);
                positions.add(i);
                // a create (with the event's _id, or a generated one): the `create_doc` privilege on the events
                // index is enough, and an event sent again with its _id is refused, not written twice
                bulk.add(new IndexRequest(schema.index())
                        .id(event.id())
                        .opType(DocWriteRequest.OpType.CREATE)
                        .source(event.document()));
            } catch (IllegalArgumentException e) {
                items[i] =
                        EventsAction.Item.failed(RestStatus.BAD_REQUEST, "illegal_argument_exception", e.getMessage());
            }
        }
        if (valid.isEmpty()) {
            listener.onResponse(new EventsAction.Response(millisSince(start), List.of(items), null));
            return;
        }
        // as the caller: the injected client runs with the thread context of the request, security's user included
        client.bulk(bulk, listener.delegateFailureAndWrap((l, response) -> {
            Map<String, List<RecentItems.Seen>> seen = new LinkedHashMap<>();
            for (int j = 0; j < response.getItems().length; j++) {
                BulkItemResponse written = response.getItems()[j];
                int position = positions.get(j);
                if (written.isFailed()) {
                    Throwable cause =
                            ExceptionsHelper.unwrapCause(written.getFailure().getCause());
                    // the cause's own words, as _bulk answers them (the failure's message prefixes the shard and the
                    // exception's class name)
                    String reason = cause.getMessage() != null
                            ? cause.getMessage()
                            : written.getFailure().getMessage();
                    items[position] = EventsAction.Item.failed(
                            written.getFailure().getStatus(),
                            written.getFailure().getId(),
                            org.elasticsearch.ElasticsearchException.getExceptionName(cause),
                            reason);
                    if (alreadyWritten(valid.get(j), written) == false) {
                        continue;
                    }
                } else {
                    items[position] = EventsAction.Item.written(written.getId());
                }
                ApiEvent event = valid.get(j);
                seen.computeIfAbsent(event.user(), u -> new ArrayList<>())
                        .add(new RecentItems.Seen(event.item(), event.timeMillis()));
            }
            String index = ModelIndices.recentIndex(model.name(), model.status().uuid());
            // every node's copy of the users' newest items is updated before the answer: the next request, on any node,
            // serves them without a read
            recent.update(
                    index,
                    model.name(),
                    seen,
                    l.delegateFailureAndWrap((l2, merged) -> leaveNothingOfADeletedModel(
                            model,
                            index,
                            l2.delegateFailureAndWrap((l3, ok) -> RecentItemsChangedAction.broadcast(
                                    profiles.systemClient(),
                                    model.name(),
                                    index,
                                    merged.changes(),
                                    nodeId -> clusterService.state().nodes().nodeExists(nodeId),
                                    l3.map(told -> new EventsAction.Response(
                                            millisSince(start),
                                            List.of(items),
                                            notMerged(model.name(), index, merged))))))));
        }));
    }

    /**
     * Whether the event was refused because its {@code _id} is in the events index already: sent again, typically after
     * a request whose answer was lost (a node killed between the write and the merge of the newest items). It is
     * answered as Elasticsearch answers the create (409), and its item is merged into the shopper's newest items all
     * the same: the merge is what the lost request may not have done, and merging an item at a time that is already
     * there changes nothing.
     */
    static boolean alreadyWritten(ApiEvent event, BulkItemResponse written) {
        return event.id() != null
                && written.getFailure().getStatus() == RestStatus.CONFLICT
                && ExceptionsHelper.unwrapCause(written.getFailure().getCause())
                        instanceof VersionConflictEngineException;
    }

    /**
     * The merge's failure as the answer's {@code recent_items}, or null. The events are written: answering an error
     * would have them sent again (written twice), so the request answers their items, and says that some shoppers'
     * newest items count only from the events index (at the next training, or after a refresh with
     * {@code recent_events: index}). The reason names the model, not its newest-items index ({@code index}): a tracker
     * may send events without any right to read the model, and the index's name carries the model's uuid, which only
     * a reader of the model sees; the node's log keeps the whole failure.
     */
    static EventsAction.Item notMerged(String model, String index, RecentItemsWriter.Merged merged) {
        if (merged.failure() == null) {
            return null;
        }
        Throwable cause = ExceptionsHelper.unwrapCause(merged.failure());
        logger.warn("model [" + model + "]: events written, newest items not all updated", merged.failure());
        String reason =
                String.valueOf(cause.getMessage()).replace(index, "the newest-items index of model [" + model + "]");
        return EventsAction.Item.failed(
                ExceptionsHelper.status(cause),
                org.elasticsearch.ElasticsearchException.getExceptionName(cause),
                "the events are written; the newest items of some of their shoppers were not updated: " + reason);
    }

    /**
     * The model deleted (or deleted and created again) while this request wrote: the newest-items index of its
     * incarnation, which the write may have created again after the deletion removed it, is deleted, so that nothing of
     * the shoppers outlives the model. A deletion drops the model from the cluster state before it deletes its indices:
     * a model still current here means the deletion's own index deletion comes after this write.
     */
    private void leaveNothingOfADeletedModel(
            ModelStore.StoredModel model, String index, ActionListener<Void> listener) {
        profiles.currentModel(
                model.name(),
                ActionListener.wrap(
                        now -> {
                            if (java.util.Objects.equals(
                                    now.status().uuid(), model.status().uuid())) {
                                listener.onResponse(null);
                            } else {
                                deleteIndex(index, listener);
                            }
                        },
                        e -> {
                            if (ExceptionsHelper.unwrapCause(e) instanceof ResourceNotFoundException) {
                                deleteIndex(index, listener);
                            } else {
                                // the model could not be read (its index unavailable): the events are written, and
                                // answering an error would have them sent twice; a deletion deletes the index anyway
                                logger.debug("model [" + model.name() + "] could not be read after its events", e);
                                listener.onResponse(null);
                            }
                        }));
    }

    private void deleteIndex(String index, ActionListener<Void> listener) {
        profiles.systemClient()
                .admin()
                .indices()
                .delete(
                        new DeleteIndexRequest(index).indicesOptions(IndicesOptions.lenientExpandHidden()),
                        ActionListener.wrap(deleted -> listener.onResponse(null), e -> {
                            logger.warn("could not delete [" + index + "] of a model deleted meanwhile", e);
                            listener.onResponse(null);
                        }));
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
