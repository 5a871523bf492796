package io.personalize.ingest;

import java.io.Closeable;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.br.BrazilianAnalyzer;
import org.apache.lucene.analysis.ca.CatalanAnalyzer;
import org.apache.lucene.analysis.cjk.CJKAnalyzer;
import org.apache.lucene.analysis.core.SimpleAnalyzer;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.cz.CzechAnalyzer;
import org.apache.lucene.analysis.da.DanishAnalyzer;
import org.apache.lucene.analysis.de.GermanAnalyzer;
import org.apache.lucene.analysis.el.GreekAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.es.SpanishAnalyzer;
import org.apache.lucene.analysis.fi.FinnishAnalyzer;
import org.apache.lucene.analysis.fr.FrenchAnalyzer;
import org.apache.lucene.analysis.hu.HungarianAnalyzer;
import org.apache.lucene.analysis.it.ItalianAnalyzer;
import org.apache.lucene.analysis.nl.DutchAnalyzer;
import org.apache.lucene.analysis.no.NorwegianAnalyzer;
import org.apache.lucene.analysis.pt.PortugueseAnalyzer;
import org.apache.lucene.analysis.ro.RomanianAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.sv.SwedishAnalyzer;
import org.apache.lucene.analysis.tr.TurkishAnalyzer;

/**
 * The Lucene analyzers that {@code item_vector} accepts by name. Analyzers are thread-safe and keep per-thread token
 * streams, so one instance per name serves the whole node; they are built on first use and closed with the plugin.
 */
public final class AnalyzerCatalog implements Closeable {

    private static final Map<String, Supplier<Analyzer>> FACTORIES = new TreeMap<>(Map.ofEntries(
            // "standard" matches Elasticsearch's standard analyzer: Unicode word boundaries, lower case, no stop words.
            Map.entry("standard", StandardAnalyzer::new),
            Map.entry("simple", SimpleAnalyzer::new),
            Map.entry("whitespace", WhitespaceAnalyzer::new),
            Map.entry("arabic", ArabicAnalyzer::new),
            Map.entry("brazilian", BrazilianAnalyzer::new),
            Map.entry("catalan", CatalanAnalyzer::new),
            Map.entry("cjk", CJKAnalyzer::new),
            Map.entry("czech", CzechAnalyzer::new),
            Map.entry("danish", DanishAnalyzer::new),
            Map.entry("dutch", DutchAnalyzer::new),
            Map.entry("english", EnglishAnalyzer::new),
            Map.entry("finnish", FinnishAnalyzer::new),
            Map.entry("french", FrenchAnalyzer::new),
            Map.entry("german", GermanAnalyzer::new),
            Map.entry("greek", GreekAnalyzer::new),
            Map.entry("hungarian", HungarianAnalyzer::new),
            Map.entry("italian", ItalianAnalyzer::new),
            Map.entry("norwegian", NorwegianAnalyzer::new),
            Map.entry("portuguese", PortugueseAnalyzer::new),
            Map.entry("romanian", RomanianAnalyzer::new),
            Map.entry("russian", RussianAnalyzer::new),
            Map.entry("spanish", SpanishAnalyzer::new),
            Map.entry("swedish", SwedishAnalyzer::new),
            Map.entry("turkish", TurkishAnalyzer::new)));

    private final Map<String, Analyzer> analyzers = new ConcurrentHashMap<>();

    public static Set<String> names() {
        return FACTORIES.keySet();
    }

    /** The shared analyzer for {@code name}, or {@code IllegalArgumentException} listing the known names. */
    public Analyzer get(String name) {
        Supplier<Analyzer> factory = FACTORIES.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown analyzer [" + name + "], expected one of " + names());
        }
        return analyzers.computeIfAbsent(name, n -> factory.get());
    }

    @Override
    public void close() {
        analyzers.values().forEach(Analyzer::close);
        analyzers.clear();
    }
}
