package io.personalize.action;

import io.personalize.profile.ActiveModel;
import io.personalize.profile.CatalogResolver;
import io.personalize.profile.ProfileLoader;
import io.personalize.recommend.VisibleItems;
import io.personalize.rescore.PersonalizationSignals;
import io.personalize.rescore.PersonalizationSignalsAction;
import java.util.Set;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.action.support.SubscribableListener;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;

/**
 * Loads the rescorer's signals on the node that coordinates the search, once the caller's right to read the model's
 * catalogue was checked against {@link PersonalizationSignalsAction.Request#indices()}. The model's data and the
 * shopper's events are read by the plugin; which of the items the signals name (the context items, and the history
 * items explain shows) the caller may read is asked of the catalogue as the caller: hidden context items count as
 * unknown, and hidden items are not named. A search without explain gets no item names at all, so that only its
 * context items need checking, beside the profile's load: no round trip is added.
 */
public final class TransportPersonalizationSignalsAction
        extends HandledTransportAction<PersonalizationSignalsAction.Request, PersonalizationSignalsAction.Response> {

    private final ProfileLoader profiles;
    private final Client client;

    @Inject
    public TransportPersonalizationSignalsAction(
            TransportService transportService, ActionFilters actionFilters, Client client, ProfileLoader profiles) {
        super(
                PersonalizationSignalsAction.NAME,
                transportService,
                actionFilters,
                PersonalizationSignalsAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.profiles = profiles;
        this.client = client;
    }

    @Override
    protected void doExecute(
            Task task,
            PersonalizationSignalsAction.Request request,
            ActionListener<PersonalizationSignalsAction.Response> listener) {
        ActionListener.run(
                listener, l -> profiles.withActive(request.model(), (model, l2) -> load(model, request, l2), l));
    }

    private void load(
            ActiveModel model,
            PersonalizationSignalsAction.Request request,
            ActionListener<PersonalizationSignalsAction.Response> listener) {
        String catalog = model.config().catalog().index();
        if (catalog.equals(request.index()) == false) {
            // the caller was authorized for request.index(): it must be the catalogue whose items are named
            listener.onFailure(new CatalogResolver.CatalogMismatchException(request.model(), catalog, request.index()));
            return;
        }
        int recent = request.userId() == null ? 0 : request.recentItems();
        VisibleItems visibility = new VisibleItems(client, model.config().catalog());
        if (request.explain() == false) {
            // nothing is named without explain: the signals ship no item names to the shards, and only the context
            // items need a
            // check, which runs beside the profile's load
            SubscribableListener<Set<String>> visibleContext = new SubscribableListener<>();
            visibility.check(Set.copyOf(request.contextItems()), visibleContext);
            profiles.load(
                    model,
                    request.userId(),
                    request.contextItems(),
                    recent,
                    ProfileLoader.Neighbors.ALL,
                    listener.delegateFailureAndWrap((l, profile) -> visibleContext.addListener(l.map(visible -> {
                        PersonalizationSignals signals =
                                PersonalizationSignals.of(VisibleItems.withoutHiddenContext(profile, visible), false);
                        return new PersonalizationSignalsAction.Response(signals.withoutNames());
                    }))));
            return;
        }
        profiles.load(
                model,
                request.userId(),
                request.contextItems(),
                recent,
                ProfileLoader.Neighbors.ALL,
                listener.delegateFailureAndWrap(
                        (l, profile) -> visibility.check(VisibleItems.named(profile), l.map(visible -> {
                            PersonalizationSignals signals =
                                    PersonalizationSignals.of(VisibleItems.withoutHiddenContext(profile, visible));
                            return new PersonalizationSignalsAction.Response(signals.namingOnly(visible));
                        }))));
    }
}
