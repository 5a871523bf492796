package io.personalize.action;

import io.personalize.model.ModelConfig;
import io.personalize.profile.ActiveModel;
import io.personalize.profile.CatalogResolver;
import io.personalize.profile.Profile;
import io.personalize.profile.ProfileLoader;
import io.personalize.profile.RecentItemsCache;
import io.personalize.recommend.VisibleItems;
import io.personalize.rescore.PersonalizationSignals;
import io.personalize.rescore.PersonalizationSignalsAction;
import io.personalize.rescore.SignalsCache;
import java.util.List;
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
    private final SignalsCache signalsCache;

    @Inject
    public TransportPersonalizationSignalsAction(
            TransportService transportService,
            ActionFilters actionFilters,
            Client client,
            ProfileLoader profiles,
            SignalsCache signalsCache) {
        super(
                PersonalizationSignalsAction.NAME,
                transportService,
                actionFilters,
                PersonalizationSignalsAction.Request::new,
                EsExecutors.DIRECT_EXECUTOR_SERVICE);
        this.profiles = profiles;
        this.client = client;
        this.signalsCache = signalsCache;
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
        if (request.explain() == false && request.contextItems().isEmpty() && request.userId() != null) {
            // the caller's rights shape nothing in these signals (no context item to check, no item named): the node's
            // copy serves while nothing they are computed from changed
            String user = request.userId();
            long forgottenAt = forgottenAt(model, user);
            SignalsCache.Key key = cacheKey(model, user, recent, forgottenAt);
            PersonalizationSignals known = key == null ? null : signalsCache.get(key);
            if (known != null) {
                listener.onResponse(new PersonalizationSignalsAction.Response(known));
                return;
            }
            profiles.loadKnowingRecent(
                    model,
                    user,
                    List.of(),
                    recent,
                    ProfileLoader.Neighbors.ALL,
                    listener.delegateFailureAndWrap((l, loaded) -> {
                        PersonalizationSignals signals = PersonalizationSignals.of(
                                        loaded.profile(), false, popular(loaded.profile()))
                                .withoutNames();
                        // kept under the write of the newest-items document the load counted, whether this node's
                        // copy held it or the load read it (and filled the copy with it: a shopper's second search
                        // on a node is served from here, not only the third), and only if no forgetting landed
                        // meanwhile
                        if (forgottenAt == forgottenAt(model, user)) {
                            SignalsCache.Key computedFrom =
                                    SignalsCache.keyOf(model, user, recent, forgottenAt, loaded.recent());
                            if (computedFrom != null) {
                                signalsCache.put(computedFrom, signals);
                            }
                        }
                        l.onResponse(new PersonalizationSignalsAction.Response(signals));
                    }));
            return;
        }
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
                        PersonalizationSignals signals = PersonalizationSignals.of(
                                VisibleItems.withoutHiddenContext(profile, visible), false, popular(profile));
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
                            PersonalizationSignals signals = PersonalizationSignals.of(
                                    VisibleItems.withoutHiddenContext(profile, visible), true, popular(profile));
                            return new PersonalizationSignalsAction.Response(signals.namingOnly(visible));
                        }))));
    }

    /** What the shopper's signals are computed from, as this node knows it now (see {@link SignalsCache#keyOf}). */
    private SignalsCache.Key cacheKey(ActiveModel model, String user, int recent, long forgottenAt) {
        // only the events API's newest items are in the node's copy (keyOf keeps nothing for newest items searched in
        // the events index): no look-up for the others
        RecentItemsCache copy = profiles.cache().recentItems();
        RecentItemsCache.Known known =
                recent > 0 && model.config().events().recentEvents() == ModelConfig.Events.RecentEvents.API
                        ? copy.get(model.name(), copy.indexOf(model), user)
                        : null;
        return SignalsCache.keyOf(model, user, recent, forgottenAt, known);
    }

    /** The node's shared popular part of the profile's model version (null: no popular list). */
    private PersonalizationSignals popular(Profile profile) {
        return signalsCache.popular(profile.model(), profile.popular());
    }

    /** When the shopper was last forgotten, as the node's cluster state says now. */
    private long forgottenAt(ActiveModel model, String user) {
        return profiles.forgottenUsers().get().forgottenAt(model.name(), user);
    }
}
