package io.personalize;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.personalize.rescore.PersonalizationSignalsAction;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.rest.BaseRestHandler;
import org.junit.jupiter.api.Test;

/**
 * The package map of the plugin, checked on its compiled classes: dependencies run one way,
 * {@code rest -> action -> rescore/recommend -> profile -> model -> serving -> training}, with {@code stats} (counters, read through compat)
 * and {@code ingest -> embed} (the processor and the language models) standing alone, {@code compat} (the adapters
 * to each Elasticsearch API generation) below everything, and the plugin class on top wiring them. A class that reaches up a layer fails the build, naming the dependency.
 */
class LayeringTests {

    private static final JavaClasses PLUGIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.personalize");

    @Test
    void dependenciesRunOneWay() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("plugin")
                .definedBy("io.personalize")
                .layer("rest")
                .definedBy("io.personalize.rest..")
                .layer("action")
                .definedBy("io.personalize.action..")
                .layer("rescore")
                .definedBy("io.personalize.rescore..")
                .layer("recommend")
                .definedBy("io.personalize.recommend..")
                .layer("profile")
                .definedBy("io.personalize.profile..")
                .layer("model")
                .definedBy("io.personalize.model..")
                .layer("serving")
                .definedBy("io.personalize.serving..")
                .layer("training")
                .definedBy("io.personalize.training..")
                .layer("stats")
                .definedBy("io.personalize.stats..")
                .layer("ingest")
                .definedBy("io.personalize.ingest..")
                .layer("embed")
                .definedBy("io.personalize.embed..")
                .layer("compat")
                .definedBy("io.personalize.compat..")
                .whereLayer("rest")
                .mayOnlyBeAccessedByLayers("plugin")
                .whereLayer("action")
                .mayOnlyBeAccessedByLayers("plugin", "rest")
                .whereLayer("rescore")
                .mayOnlyBeAccessedByLayers("plugin", "rest", "action")
                .whereLayer("recommend")
                .mayOnlyBeAccessedByLayers("plugin", "rest", "action")
                .whereLayer("profile")
                .mayOnlyBeAccessedByLayers("plugin", "rest", "action", "rescore", "recommend")
                .whereLayer("model")
                .mayOnlyBeAccessedByLayers("plugin", "rest", "action", "rescore", "recommend", "profile")
                .whereLayer("serving")
                .mayOnlyBeAccessedByLayers("plugin", "rest", "action", "rescore", "recommend", "profile", "model")
                .whereLayer("training")
                .mayOnlyBeAccessedByLayers(
                        "plugin", "rest", "action", "rescore", "recommend", "profile", "model", "serving")
                .whereLayer("stats")
                .mayOnlyAccessLayers("compat")
                .whereLayer("stats")
                .mayOnlyBeAccessedByLayers("plugin", "rest", "action", "rescore", "recommend", "profile")
                .whereLayer("ingest")
                .mayOnlyAccessLayers("embed", "compat")
                .whereLayer("ingest")
                .mayOnlyBeAccessedByLayers("plugin")
                .whereLayer("embed")
                .mayOnlyAccessLayers("compat")
                .whereLayer("compat")
                .mayNotAccessAnyLayer()
                .whereLayer("embed")
                .mayOnlyBeAccessedByLayers("plugin", "ingest")
                .check(PLUGIN);
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("io.personalize.(*)..").should().beFreeOfCycles().check(PLUGIN);
    }

    /**
     * The maths and the scoring run anywhere (the Spark job, a benchmark) and are tested without a node: no Elasticsearch
     * or Lucene type (a pure-Java library such as EJML is fine).
     */
    @Test
    void trainingAndServingHaveNoElasticsearchOrLuceneTypes() {
        noClasses()
                .that()
                .resideInAnyPackage("io.personalize.training..", "io.personalize.serving..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.elasticsearch..", "org.apache.lucene..")
                .check(PLUGIN);
    }

    /**
     * What differs between Elasticsearch releases is reached through {@code compat} only (one source directory per API
     * generation): a request class extending 9.4's {@code UntypedActionRequest} directly compiles here and nowhere older.
     */
    @Test
    void versionSpecificApisAreReachedThroughCompat() {
        noClasses()
                .that()
                .resideOutsideOfPackage("io.personalize.compat..")
                .should()
                .dependOnClassesThat()
                .haveFullyQualifiedName("org.elasticsearch.action.UntypedActionRequest")
                .check(PLUGIN);
    }

    /**
     * One convention for transport actions: {@code TransportXAction} in {@code action}, beside {@code XAction} (its name,
     * {@code ActionType}, request and response). The one definition elsewhere is the rescorer's signals action, which the
     * rescorer sends from its own rewrite, below {@code action}.
     */
    @Test
    void transportActionsLiveInActionPackage() {
        classes()
                .that()
                .areAssignableTo(TransportAction.class)
                .should()
                .resideInAPackage("io.personalize.action")
                .andShould()
                .haveSimpleNameStartingWith("Transport")
                .andShould()
                .haveSimpleNameEndingWith("Action")
                .check(PLUGIN);
        classes()
                .that()
                .areTopLevelClasses()
                .and()
                .haveSimpleNameEndingWith("Action")
                .and()
                .resideOutsideOfPackage("io.personalize.rest")
                .and()
                .doNotBelongToAnyOf(PersonalizationSignalsAction.class)
                .should()
                .resideInAPackage("io.personalize.action")
                .check(PLUGIN);
        classes()
                .that()
                .resideInAPackage("io.personalize.rest")
                .and()
                .areTopLevelClasses()
                .and()
                .areAssignableTo(BaseRestHandler.class)
                .should()
                .haveSimpleNameStartingWith("Rest")
                .check(PLUGIN);
    }
}
