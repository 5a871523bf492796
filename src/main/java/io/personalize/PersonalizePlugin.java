package io.personalize;

import io.personalize.action.ActiveVersionsAction;
import io.personalize.action.CatalogItemsAction;
import io.personalize.action.ClearCacheAction;
import io.personalize.action.ClusterModelBroadcasts;
import io.personalize.action.DeleteModelAction;
import io.personalize.action.EvaluateModelAction;
import io.personalize.action.EventsAction;
import io.personalize.action.ForgetUserAction;
import io.personalize.action.ForgottenUsersAction;
import io.personalize.action.GetModelsAction;
import io.personalize.action.ImportModelAction;
import io.personalize.action.ImportSessionAction;
import io.personalize.action.ImportSessionStateAction;
import io.personalize.action.PutModelAction;
import io.personalize.action.RecentItemsChangedAction;
import io.personalize.action.RecommendAction;
import io.personalize.action.StatsAction;
import io.personalize.action.TrainModelAction;
import io.personalize.action.TransportActiveVersionsAction;
import io.personalize.action.TransportCatalogItemsAction;
import io.personalize.action.TransportClearCacheAction;
import io.personalize.action.TransportDeleteModelAction;
import io.personalize.action.TransportEvaluateModelAction;
import io.personalize.action.TransportEventsAction;
import io.personalize.action.TransportForgetUserAction;
import io.personalize.action.TransportForgottenUsersAction;
import io.personalize.action.TransportGetModelsAction;
import io.personalize.action.TransportImportModelAction;
import io.personalize.action.TransportImportSessionAction;
import io.personalize.action.TransportImportSessionStateAction;
import io.personalize.action.TransportPersonalizationSignalsAction;
import io.personalize.action.TransportPutModelAction;
import io.personalize.action.TransportRecentItemsChangedAction;
import io.personalize.action.TransportRecommendAction;
import io.personalize.action.TransportStatsAction;
import io.personalize.action.TransportTrainModelAction;
import io.personalize.compat.ActionHandlersPlugin;
import io.personalize.compat.PluginMetadataCustom;
import io.personalize.compat.RestHandlersPlugin;
import io.personalize.embed.EmbeddingModels;
import io.personalize.embed.EmbeddingService;
import io.personalize.embed.TextQueryVectorBuilder;
import io.personalize.ingest.AnalyzerCatalog;
import io.personalize.ingest.ItemVectorProcessor;
import io.personalize.model.ActiveVersions;
import io.personalize.model.ForgottenUsers;
import io.personalize.model.ImportSessionRecords;
import io.personalize.model.ImportSessions;
import io.personalize.model.IndexScan;
import io.personalize.model.ModelIndices;
import io.personalize.model.ModelStore;
import io.personalize.model.ModelVersions;
import io.personalize.model.OrphanVersionCleaner;
import io.personalize.model.TrainingRegistry;
import io.personalize.model.TrainingTask;
import io.personalize.model.TrainingThreadPool;
import io.personalize.profile.ForgottenUsersListener;
import io.personalize.profile.Limits;
import io.personalize.profile.ProfileLoader;
import io.personalize.profile.Serving;
import io.personalize.profile.ServingCache;
import io.personalize.rescore.PersonalizationSignalsAction;
import io.personalize.rescore.PersonalizeRescorerBuilder;
import io.personalize.rescore.SegmentIdTerms;
import io.personalize.rescore.SignalsCache;
import io.personalize.rest.RestDeleteModelAction;
import io.personalize.rest.RestEvaluateModelAction;
import io.personalize.rest.RestEventsAction;
import io.personalize.rest.RestForgetUserAction;
import io.personalize.rest.RestGetModelsAction;
import io.personalize.rest.RestImportModelAction;
import io.personalize.rest.RestImportSessionAction;
import io.personalize.rest.RestPutModelAction;
import io.personalize.rest.RestRecommendAction;
import io.personalize.rest.RestStatsAction;
import io.personalize.rest.RestTrainModelAction;
import io.personalize.stats.ServingStats;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.lucene.util.SetOnce;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.common.breaker.CircuitBreaker;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.indices.SystemIndexDescriptor;
import org.elasticsearch.ingest.Processor;
import org.elasticsearch.plugins.IngestPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.SearchPlugin;
import org.elasticsearch.plugins.SystemIndexPlugin;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.threadpool.ExecutorBuilder;
import org.elasticsearch.xcontent.NamedXContentRegistry;
import org.elasticsearch.xcontent.ParseField;

/** Entry point: registers the plugin's processor, models, rescorer and REST endpoints with the node. */
public class PersonalizePlugin extends Plugin
        implements IngestPlugin, SystemIndexPlugin, SearchPlugin, RestHandlersPlugin, ActionHandlersPlugin {

    private final AnalyzerCatalog analyzers = new AnalyzerCatalog();
    // the rescorer is registered before the node's services exist: it reaches them through this once they do
    private final SetOnce<Serving> serving = new SetOnce<>();
    // sentence-embedding models and their pool: created with the node's components, used by item_vector and knn
    private final SetOnce<TextQueryVectorBuilder.Services> embeddings = new SetOnce<>();

    @Override
    public Map<String, Processor.Factory> getProcessors(Processor.Parameters parameters) {
        return Map.of(
                ItemVectorProcessor.TYPE,
                new ItemVectorProcessor.Factory(
                        analyzers,
                        () -> embeddings.get().models(),
                        () -> embeddings.get().service()));
    }

    @Override
    public Collection<?> createComponents(PluginServices services) {
        ModelStore store = new ModelStore(services.client());
        TrainingRegistry trainings = new TrainingRegistry(services.clusterService(), store, services.client());
        Settings settings = services.environment().settings();
        ServingCache cache =
                new ServingCache(settings, services.clusterService().getClusterSettings());
        // forgotten users as the node's current cluster state says: a map lookup on every profile use
        Supplier<ForgottenUsers> forgotten =
                () -> ForgottenUsers.of(services.clusterService().state());
        services.clusterService().addListener(new ForgottenUsersListener(cache));
        // the version each model serves, as the node's current cluster state says: no read of the model per request
        Supplier<ActiveVersions> activeVersions =
                () -> ActiveVersions.of(services.clusterService().state());
        ClusterModelBroadcasts broadcasts = new ClusterModelBroadcasts(store.systemClient());
        Supplier<DiscoveryNodes> nodes = () -> services.clusterService().state().nodes();
        ProfileLoader profiles = new ProfileLoader(store, cache, forgotten, activeVersions, broadcasts, nodes);
        Limits limits = new Limits(settings, services.clusterService().getClusterSettings());
        ServingStats stats = new ServingStats();
        serving.set(new Serving(profiles, limits, stats));
        // the elected master deletes the version indices no model and no live build owns (a node killed mid-build)
        services.clusterService()
                .addListener(
                        new OrphanVersionCleaner(services.clusterService(), services.threadPool(), store, trainings));
        // a version index deleted (behind the plugin's back, too) leaves no document in the cache to serve from
        services.clusterService()
                .addListener(event -> event.indicesDeleted().forEach(index -> cache.invalidateIndex(index.getName())));
        embeddings.set(new TextQueryVectorBuilder.Services(
                new EmbeddingModels(services.environment()
                        .configDir()
                        .resolve("personalize")
                        .resolve("models")),
                new EmbeddingService(
                        services.threadPool().executor(EmbeddingService.THREAD_POOL),
                        services.threadPool().getThreadContext(),
                        settings)));
        ModelVersions versions = new ModelVersions(store, forgotten, broadcasts);
        // imports in parts: each session held by one node, recorded in the cluster state (it outlives that node)
        ImportSessions importSessions = new ImportSessions(
                services.clusterService(),
                services.threadPool(),
                store,
                versions,
                trainings,
                // a session's record changes on the elected master (ImportSessionStateAction)
                (update, listener) -> store.systemClient()
                        .execute(
                                ImportSessionStateAction.TYPE,
                                new ImportSessionStateAction.Request(update),
                                listener.map(ImportSessionStateAction.Response::record)));
        // the shoppers' signals as last computed, on the node that coordinates their searches
        SignalsCache signals =
                new SignalsCache(settings, services.clusterService().getClusterSettings());
        // each segment's table of its ids, counted in the fielddata breaker as Lucene's per-segment structures are
        SegmentIdTerms.configure(
                settings,
                services.clusterService().getClusterSettings(),
                services.indicesService().getCircuitBreakerService().getBreaker(CircuitBreaker.FIELDDATA));
        return List.of(store, trainings, versions, cache, profiles, limits, stats, importSessions, signals);
    }

    // ActionHandler differs across releases (generic in 9.0 and 8.19): ActionHandlersPlugin (src/es-<api>) adapts it
    @Override
    public List<PluginAction> actions() {
        return List.of(
                new PluginAction(PutModelAction.TYPE, TransportPutModelAction.class),
                new PluginAction(GetModelsAction.TYPE, TransportGetModelsAction.class),
                new PluginAction(DeleteModelAction.TYPE, TransportDeleteModelAction.class),
                new PluginAction(TrainModelAction.TYPE, TransportTrainModelAction.class),
                new PluginAction(ImportModelAction.TYPE, TransportImportModelAction.class),
                new PluginAction(EvaluateModelAction.TYPE, TransportEvaluateModelAction.class),
                new PluginAction(RecommendAction.TYPE, TransportRecommendAction.class),
                new PluginAction(CatalogItemsAction.TYPE, TransportCatalogItemsAction.class),
                new PluginAction(ForgetUserAction.TYPE, TransportForgetUserAction.class),
                new PluginAction(ClearCacheAction.TYPE, TransportClearCacheAction.class),
                new PluginAction(StatsAction.TYPE, TransportStatsAction.class),
                new PluginAction(ForgottenUsersAction.TYPE, TransportForgottenUsersAction.class),
                new PluginAction(PersonalizationSignalsAction.TYPE, TransportPersonalizationSignalsAction.class),
                new PluginAction(ActiveVersionsAction.TYPE, TransportActiveVersionsAction.class),
                new PluginAction(EventsAction.TYPE, TransportEventsAction.class),
                new PluginAction(ImportSessionAction.TYPE, TransportImportSessionAction.class),
                new PluginAction(ImportSessionStateAction.TYPE, TransportImportSessionStateAction.class),
                new PluginAction(RecentItemsChangedAction.TYPE, TransportRecentItemsChangedAction.class));
    }

    // Elasticsearch's getRestHandlers differs across releases: RestHandlersPlugin (src/es-<api>) adapts it to this
    @Override
    public List<RestHandler> restHandlers() {
        return List.of(
                new RestPutModelAction(),
                new RestGetModelsAction(),
                new RestDeleteModelAction(),
                new RestTrainModelAction(),
                new RestImportModelAction(),
                new RestEvaluateModelAction(),
                // the node's components exist by now: Elasticsearch builds REST handlers after createComponents
                new RestRecommendAction(serving.get().profiles()),
                new RestForgetUserAction(),
                new RestStatsAction(),
                new RestEventsAction(serving.get().profiles()),
                new RestImportSessionAction());
    }

    @Override
    public List<Setting<?>> getSettings() {
        return Stream.concat(
                        Stream.concat(Limits.settings().stream(), ServingCache.settings().stream()),
                        Stream.concat(
                                Stream.of(
                                        OrphanVersionCleaner.CHECK_INTERVAL,
                                        ImportSessions.TIMEOUT,
                                        SignalsCache.SIZE,
                                        SegmentIdTerms.SIZE,
                                        TrainingThreadPool.THREADS,
                                        IndexScan.TESTING_PAGE_DELAY),
                                EmbeddingService.settings().stream()))
                .toList();
    }

    @Override
    public List<ExecutorBuilder<?>> getExecutorBuilders(Settings settings) {
        return List.of(
                TrainingThreadPool.executorBuilder(settings),
                // language-model inference (item_vector, personalize_text): off the write and search threads
                EmbeddingService.executorBuilder(settings),
                // the training maths' helpers (personalize.training.threads)
                TrainingThreadPool.workersExecutorBuilder(settings));
    }

    @Override
    public List<NamedWriteableRegistry.Entry> getNamedWriteables() {
        List<NamedWriteableRegistry.Entry> entries = new ArrayList<>();
        entries.add(new NamedWriteableRegistry.Entry(
                Task.Status.class, TrainingTask.Status.NAME, TrainingTask.Status::new));
        // the cluster state customs: project customs from 9.1 on, cluster customs in 9.0 and 8.19 (compat)
        entries.addAll(PluginMetadataCustom.namedWriteables(ForgottenUsers.TYPE, ForgottenUsers::new));
        entries.addAll(PluginMetadataCustom.namedWriteables(ActiveVersions.TYPE, ActiveVersions::new));
        entries.addAll(PluginMetadataCustom.namedWriteables(ImportSessionRecords.TYPE, ImportSessionRecords::new));
        return List.copyOf(entries);
    }

    @Override
    public List<NamedXContentRegistry.Entry> getNamedXContent() {
        // the forgotten users are persisted with the cluster state: read back at startup
        return List.of(
                PluginMetadataCustom.namedXContent(ForgottenUsers.TYPE, ForgottenUsers::fromXContent),
                PluginMetadataCustom.namedXContent(ActiveVersions.TYPE, ActiveVersions::fromXContent),
                PluginMetadataCustom.namedXContent(ImportSessionRecords.TYPE, ImportSessionRecords::fromXContent));
    }

    @Override
    public List<RescorerSpec<?>> getRescorers() {
        return List.of(new RescorerSpec<>(
                PersonalizeRescorerBuilder.NAME,
                PersonalizeRescorerBuilder::new,
                parser -> PersonalizeRescorerBuilder.fromXContent(parser, serving::get)));
    }

    // the query form of the rescorer: the same options and signals, every match scored (no window)
    @Override
    public List<QuerySpec<?>> getQueries() {
        return PluginQueries.of(serving::get);
    }

    @Override
    public List<QueryVectorBuilderSpec<?>> getQueryVectorBuilders() {
        return List.of(new QueryVectorBuilderSpec<>(
                new ParseField(TextQueryVectorBuilder.NAME),
                in -> new TextQueryVectorBuilder(in, embeddings::get),
                (parser, context) -> TextQueryVectorBuilder.fromXContent(parser, embeddings::get)));
    }

    @Override
    public Collection<SystemIndexDescriptor> getSystemIndexDescriptors(Settings settings) {
        return ModelIndices.descriptors();
    }

    @Override
    public String getFeatureName() {
        return "personalize";
    }

    @Override
    public String getFeatureDescription() {
        return "Recommendation models of the personalize plugin";
    }

    @Override
    public void close() {
        analyzers.close();
        if (embeddings.get() != null) {
            embeddings.get().models().close();
        }
    }
}
