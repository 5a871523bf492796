package io.personalize.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * The Online Retail data set (data/online-retail, CC BY 4.0, see its README) as the plugin's world sees it: a
 * catalogue of products and a log of purchase events, plus the evaluation protocol OR-time.
 */
public final class OnlineRetail {

    /** Train on events before 2011-11-01 00:00, test on what customers bought from then on. */
    public static final long SPLIT =
            LocalDateTime.parse("2011-11-01T00:00:00").toInstant(ZoneOffset.UTC).toEpochMilli();

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    /** One catalogue item: title = its most frequent description (null when it never had one), price = its median unit price. */
    public record Product(String sku, String title, double price, long firstSold) {}

    /** One purchase event: a customer bought a product at a time (rows of one invoice line merged, quantities summed). */
    public record Purchase(String user, String sku, long time, int quantity) {}

    /** Protocol OR-time: train events, and for each test user the new items they bought after the split. */
    public record Protocol(
            List<Purchase> train,
            Set<String> trainCatalog,
            Map<String, Set<String>> trainItemsByUser,
            Map<String, Set<String>> truthByUser) {}

    private final List<Product> products;
    private final List<Purchase> purchases;

    private OnlineRetail(List<Product> products, List<Purchase> purchases) {
        this.products = products;
        this.purchases = purchases;
    }

    public static Path defaultPath() {
        return RealCluster.root().resolve("data/online-retail/online_retail.csv.gz");
    }

    public static OnlineRetail load() {
        return load(defaultPath());
    }

    public static OnlineRetail load(Path csvGz) {
        Map<String, Map<String, Integer>> descriptions = new HashMap<>();
        Map<String, List<Double>> prices = new HashMap<>();
        Map<String, Long> firstSold = new HashMap<>();
        // (customer, sku, invoice time) -> quantity, in file order
        Map<String, Purchase> events = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(csvGz), 1 << 16), StandardCharsets.UTF_8))) {
            in.readLine(); // header
            for (String line; (line = in.readLine()) != null; ) {
                List<String> f = parseCsvLine(line);
                String invoice = f.get(0),
                        sku = f.get(1),
                        description = f.get(2).trim();
                int quantity = Integer.parseInt(f.get(3));
                long time = LocalDateTime.parse(f.get(4), DATE)
                        .toInstant(ZoneOffset.UTC)
                        .toEpochMilli();
                double price = Double.parseDouble(f.get(5));
                String customer = f.get(6).isEmpty() ? null : f.get(6).replaceAll("\\.0$", "");
                Map<String, Integer> counts = descriptions.computeIfAbsent(sku, k -> new HashMap<>());
                if (description.isEmpty() == false && description.equals("nan") == false) {
                    counts.merge(description, 1, Integer::sum);
                }
                if (quantity > 0 && price > 0) {
                    prices.computeIfAbsent(sku, k -> new ArrayList<>()).add(price);
                    firstSold.merge(sku, time, Math::min);
                }
                if (customer != null && quantity > 0 && invoice.startsWith("C") == false) {
                    String key = customer + '\u0000' + sku + '\u0000' + time;
                    events.merge(
                            key,
                            new Purchase(customer, sku, time, quantity),
                            (a, b) -> new Purchase(a.user(), a.sku(), a.time(), a.quantity() + b.quantity()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csvGz, e);
        }
        List<Product> products = new ArrayList<>();
        for (String sku : new TreeMap<>(descriptions).keySet()) {
            Map<String, Integer> counts = descriptions.get(sku);
            // some stock codes never had a description: they stay in the catalogue, without text
            String title = counts.isEmpty()
                    ? null
                    : Collections.max(
                                    counts.entrySet(),
                                    Map.Entry.<String, Integer>comparingByValue()
                                            .thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder())))
                            .getKey();
            List<Double> p = prices.getOrDefault(sku, List.of());
            double median = p.isEmpty() ? 0 : p.stream().sorted().toList().get(p.size() / 2);
            products.add(new Product(sku, title, median, firstSold.getOrDefault(sku, Long.MAX_VALUE)));
        }
        List<Purchase> purchases = new ArrayList<>(events.values());
        purchases.sort(Comparator.comparingLong(Purchase::time));
        return new OnlineRetail(List.copyOf(products), List.copyOf(purchases));
    }

    /** Splits one CSV line; fields may be double-quoted with "" for a quote inside. */
    public static List<String> parseCsvLine(String line) {
        List<String> fields = new ArrayList<>(8);
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    public List<Product> products() {
        return products;
    }

    /** Every purchase event of a known customer, oldest first. */
    public List<Purchase> purchases() {
        return purchases;
    }

    public Protocol protocol() {
        return protocol(SPLIT);
    }

    public Protocol protocol(long split) {
        List<Purchase> train = new ArrayList<>();
        Map<String, Set<String>> trainItems = new HashMap<>();
        Set<String> catalog = new HashSet<>();
        for (Purchase p : purchases) {
            if (p.time() < split) {
                train.add(p);
                trainItems.computeIfAbsent(p.user(), k -> new HashSet<>()).add(p.sku());
                catalog.add(p.sku());
            }
        }
        Map<String, Set<String>> truth = new TreeMap<>();
        for (Purchase p : purchases) {
            Set<String> known = trainItems.get(p.user());
            if (p.time() >= split && known != null && known.contains(p.sku()) == false) {
                truth.computeIfAbsent(p.user(), k -> new HashSet<>()).add(p.sku());
            }
        }
        return new Protocol(List.copyOf(train), Set.copyOf(catalog), trainItems, truth);
    }
}
