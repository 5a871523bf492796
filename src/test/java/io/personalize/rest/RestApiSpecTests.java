package io.personalize.rest;

import io.personalize.PersonalizePlugin;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsService;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.test.ESSingleNodeTestCase;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

/**
 * The published {@code rest-api-spec/api/*.json} against the routes the plugin really registers on a node: every
 * route has a spec, every spec's path and method is a route, and each spec is well formed in Elasticsearch's format.
 * (it/'s RestApiSpecIT sends every spec's paths to a real node.)
 */
public class RestApiSpecTests extends ESSingleNodeTestCase {

    private static final Pattern PART = Pattern.compile("\\{([a-z_]+)\\}");

    @Override
    protected java.util.Collection<Class<? extends Plugin>> getPlugins() {
        return List.of(PersonalizePlugin.class);
    }

    /** "METHOD path" for every route of every handler the plugin gives the node. */
    private Set<String> registeredRoutes() {
        PersonalizePlugin plugin = getInstanceFromNode(PluginsService.class)
                .filterPlugins(PersonalizePlugin.class)
                .findFirst()
                .orElseThrow();
        Set<String> routes = new TreeSet<>();
        // the plugin's handlers use none of the services the node would pass
        for (RestHandler handler : plugin.getRestHandlers(null, null, null)) {
            for (RestHandler.Route route : handler.routes()) {
                routes.add(route.getMethod().name() + " " + route.getPath());
            }
        }
        return routes;
    }

    static Path specDirectory() {
        return Path.of(System.getProperty("personalize.root", ".")).resolve("rest-api-spec/api");
    }

    /** Every spec file, parsed: file name without .json to its one API object. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> specs() throws IOException {
        Map<String, Map<String, Object>> specs = new java.util.TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(specDirectory(), "*.json")) {
            for (Path file : files) {
                try (InputStream in = Files.newInputStream(file);
                        XContentParser parser =
                                JsonXContent.jsonXContent.createParser(XContentParserConfiguration.EMPTY, in)) {
                    Map<String, Object> root = parser.map();
                    String name = file.getFileName().toString().replaceFirst("\\.json$", "");
                    assertEquals(file + " holds one API named as the file", Set.of(name), root.keySet());
                    specs.put(name, (Map<String, Object>) root.get(name));
                }
            }
        }
        return specs;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> paths(Map<String, Object> spec) {
        return (List<Map<String, Object>>) ((Map<String, Object>) spec.get("url")).get("paths");
    }

    @SuppressWarnings("unchecked")
    public void testEveryRouteHasASpecAndEverySpecIsARoute() throws IOException {
        Set<String> specified = new TreeSet<>();
        for (Map.Entry<String, Map<String, Object>> api : specs().entrySet()) {
            for (Map<String, Object> path : paths(api.getValue())) {
                for (String method : (List<String>) path.get("methods")) {
                    assertTrue(
                            api.getKey() + ": " + method + " " + path.get("path") + " twice",
                            specified.add(method + " " + path.get("path")));
                }
            }
        }
        Set<String> routes = registeredRoutes();
        Set<String> unspecified = new TreeSet<>(routes);
        unspecified.removeAll(specified);
        Set<String> unrouted = new TreeSet<>(specified);
        unrouted.removeAll(routes);
        assertEquals("routes the plugin registers without a spec in rest-api-spec/api", Set.of(), unspecified);
        assertEquals("specs of routes the plugin does not register", Set.of(), unrouted);
        assertFalse(routes.isEmpty());
    }

    @SuppressWarnings("unchecked")
    public void testEverySpecIsInElasticsearchsFormat() throws IOException {
        Map<String, Map<String, Object>> specs = specs();
        assertFalse("no spec in " + specDirectory(), specs.isEmpty());
        for (Map.Entry<String, Map<String, Object>> api : specs.entrySet()) {
            String name = api.getKey();
            Map<String, Object> spec = api.getValue();
            assertTrue(name + ": namespaced personalize.*", name.startsWith("personalize."));
            Map<String, Object> documentation = (Map<String, Object>) spec.get("documentation");
            assertNotNull(name + ": documentation", documentation);
            assertFalse(name + ": description", ((String) documentation.get("description")).isBlank());
            assertNotNull(name + ": documentation.url", documentation.get("url"));
            assertTrue(
                    name + ": stability",
                    Set.of("stable", "beta", "experimental").contains(spec.get("stability")));
            assertTrue(name + ": visibility", Set.of("public", "private").contains(spec.get("visibility")));
            Map<String, Object> headers = (Map<String, Object>) spec.get("headers");
            assertTrue(name + ": accept", ((List<String>) headers.get("accept")).contains("application/json"));
            assertTrue(
                    name + ": only known keys",
                    Set.of("documentation", "stability", "visibility", "headers", "url", "params", "body")
                            .containsAll(spec.keySet()));
            for (Map<String, Object> path : paths(spec)) {
                String p = (String) path.get("path");
                assertTrue(name + ": path starts with /", p.startsWith("/"));
                Set<String> inPath = new TreeSet<>();
                Matcher m = PART.matcher(p);
                while (m.find()) {
                    inPath.add(m.group(1));
                }
                Map<String, Object> parts = (Map<String, Object>) path.getOrDefault("parts", Map.of());
                assertEquals(name + ": parts of " + p, inPath, new TreeSet<>(parts.keySet()));
                for (Object part : parts.values()) {
                    assertNotNull(name + ": a part's type", ((Map<String, Object>) part).get("type"));
                    assertNotNull(name + ": a part's description", ((Map<String, Object>) part).get("description"));
                }
                List<String> methods = (List<String>) path.get("methods");
                assertFalse(name + ": methods", methods.isEmpty());
                assertTrue(
                        name + ": methods",
                        List.of("GET", "PUT", "POST", "DELETE", "HEAD").containsAll(methods));
            }
            for (Map.Entry<String, Object> param :
                    ((Map<String, Object>) spec.getOrDefault("params", Map.of())).entrySet()) {
                Map<String, Object> p = (Map<String, Object>) param.getValue();
                assertTrue(
                        name + ": type of param " + param.getKey(),
                        Set.of("string", "boolean", "int", "long", "number", "list", "time", "enum")
                                .contains(p.get("type")));
                assertNotNull(name + ": description of param " + param.getKey(), p.get("description"));
            }
            if (spec.containsKey("body")) {
                assertNotNull(name + ": body.description", ((Map<String, Object>) spec.get("body")).get("description"));
            }
        }
        // each spec's file is named by its API
        List<String> names = new ArrayList<>(specs.keySet());
        assertEquals(names.size(), new TreeSet<>(names).size());
    }
}
