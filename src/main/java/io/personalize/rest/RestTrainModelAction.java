package io.personalize.rest;

import static org.elasticsearch.rest.RestRequest.Method.POST;

import io.personalize.action.TrainModelAction;
import io.personalize.model.TrainingTask;
import java.io.IOException;
import java.util.List;
import org.elasticsearch.action.support.SubscribableListener;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestCancellableNodeClient;
import org.elasticsearch.rest.action.RestToXContentListener;
import org.elasticsearch.tasks.LoggingTaskListener;
import org.elasticsearch.xcontent.ToXContentObject;

/**
 * {@code POST _recommend/models/{name}/_train}: waits for the new version by default; with
 * {@code wait_for_completion=false} answers the task id at once ({@code GET _tasks/<id>} shows progress, and the outcome
 * once it is done).
 */
public final class RestTrainModelAction extends BaseRestHandler {

    @Override
    public String getName() {
        return "personalize_train_model";
    }

    @Override
    public List<Route> routes() {
        return List.of(new Route(POST, "/_recommend/models/{name}/_train"));
    }

    @Override
    protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
        TrainModelAction.Body body =
                request.hasContentOrSourceParam() ? RequestBodies.parse(request, TrainModelAction::parseBody) : null;
        TrainModelAction.Request train = body == null
                ? new TrainModelAction.Request(request.param("name"))
                : new TrainModelAction.Request(request.param("name"), body.tuning(), body.untuned());
        if (request.paramAsBoolean("wait_for_completion", true)) {
            // closing the HTTP connection cancels the training
            return channel -> new RestCancellableNodeClient(client, request.getHttpChannel())
                    .execute(TrainModelAction.TYPE, train, new RestToXContentListener<>(channel));
        }
        train.setShouldStoreResult(true);
        SubscribableListener<TrainModelAction.Response> outcome = new SubscribableListener<>();
        TrainingTask task = (TrainingTask) client.executeLocally(TrainModelAction.TYPE, train, outcome);
        outcome.addListener(new LoggingTaskListener<>(task));
        String taskId = client.getLocalNodeId() + ":" + task.getId();
        // answer once the training has claimed the model, so that a missing model or a running training is an error now
        ToXContentObject answer =
                (builder, params) -> builder.startObject().field("task", taskId).endObject();
        return channel -> task.addStartListener(new RestToXContentListener<>(channel).map(started -> answer));
    }
}
