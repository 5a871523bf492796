package io.personalize.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.admin.indices.create.CreateIndexRequest;
import org.elasticsearch.action.admin.indices.create.CreateIndexResponse;
import org.elasticsearch.action.admin.indices.delete.DeleteIndexRequest;
import org.elasticsearch.action.get.GetResponse;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.action.index.IndexResponse;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.index.engine.VersionConflictEngineException;
import org.elasticsearch.index.get.GetResult;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.test.client.NoOpClient;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.xcontent.XContentType;

/**
 * The models index as one document, its compare-and-set on the sequence number, and the version indices created and
 * deleted.
 * The first write is applied and then answered as {@code lostAnswer} says: the write's node died before it answered,
 * so that the outcome is a failure although the document changed.
 */
final class ModelsIndexClient extends NoOpClient {
    final ShardId shard = new ShardId(ModelIndices.MODELS, "_na_", 0);
    final List<String> deleted = Collections.synchronizedList(new ArrayList<>());
    final List<String> created = Collections.synchronizedList(new ArrayList<>());
    volatile ModelStore.StoredModel model;
    volatile Exception lostAnswer;
    /** What a read of the model answers instead of the model, while not null (its shard without a copy, say). */
    volatile Exception getFailure;

    ModelsIndexClient(ThreadPool threadPool, ModelStore.StoredModel model) {
        super(threadPool);
        this.model = model;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected <Request extends ActionRequest, Response extends ActionResponse> void doExecute(
            ActionType<Response> action, Request request, ActionListener<Response> listener) {
        ActionListener.completeWith(listener, () -> {
            ModelStore.StoredModel now = model;
            if (request instanceof CreateIndexRequest create) {
                created.add(create.index());
                return (Response) new CreateIndexResponse(true, true, create.index());
            }
            if (request instanceof DeleteIndexRequest delete) {
                deleted.addAll(List.of(delete.indices()));
                return (Response) AcknowledgedResponse.TRUE;
            }
            if (request instanceof IndexRequest index) {
                if (index.ifSeqNo() != now.seqNo()) {
                    throw new VersionConflictEngineException(shard, now.name(), "seq_no changed");
                }
                model = ModelStore.parse(now.name(), index.source(), now.seqNo() + 1, 1);
                Exception lost = lostAnswer;
                lostAnswer = null;
                if (lost != null) {
                    throw lost;
                }
                return (Response) new IndexResponse(shard, now.name(), now.seqNo() + 1, 1, now.seqNo() + 2, false);
            }
            if (getFailure != null) {
                throw getFailure;
            }
            return (Response) new GetResponse(new GetResult(
                    ModelIndices.MODELS,
                    now.name(),
                    now.seqNo(),
                    1,
                    now.seqNo() + 1,
                    true,
                    XContentHelper.toXContent(now, XContentType.JSON, false),
                    Map.of(),
                    Map.of()));
        });
    }
}
