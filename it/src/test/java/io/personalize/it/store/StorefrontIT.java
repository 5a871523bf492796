package io.personalize.it.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.personalize.demo.Storefront;
import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import io.personalize.it.StoreShop;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo's shop page in a real browser: headless Chromium and chromedriver from Debian's packages, driven through
 * Selenium, against the page the demo serves and a real node. bin/test installs both packages; without them this class
 * is skipped, with the reason printed.
 */
class StorefrontIT {

    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("PERSONALIZE_CHROMIUM", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER =
            Path.of(System.getenv().getOrDefault("PERSONALIZE_CHROMEDRIVER", "/usr/bin/chromedriver"));

    private static EsClient es;
    private static Storefront store;
    private static WebDriver browser;
    private static Path profileDir;
    /** Why this class cannot run here (no browser), or null. */
    private static String skipReason;

    @BeforeAll
    static void open() throws IOException {
        if (Files.isExecutable(CHROMIUM) == false || Files.isExecutable(CHROMEDRIVER) == false) {
            String reason = "StorefrontIT skipped: no " + (Files.isExecutable(CHROMIUM) ? CHROMEDRIVER : CHROMIUM)
                    + " (install Debian's chromium and chromium-driver: bin/test does it when run as root with apt-get)";
            System.out.println(reason);
            skipReason = reason;
            return;
        }
        es = StoreShop.es();
        store = new Storefront(es, StoreShop.PRODUCTS, StoreShop.EVENTS, StoreShop.MODEL, 0);
        profileDir = Files.createTempDirectory("storefront-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // the flags that let Chromium run as root in a closed network without reaching out at start
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1400,1250",
                "--user-data-dir=" + profileDir);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
    }

    @BeforeEach
    void browserPresent() {
        // in each test, not in @BeforeAll, so that Surefire counts the test as skipped
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    @AfterAll
    static void close() {
        if (browser != null) {
            browser.quit();
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void twoShoppersSeeTheirOwnOrderAndAClickChangesTheShelf() throws IOException {
        browser.get(store.url());
        WebElement a = browser.findElement(By.id("shopper-a"));
        WebElement b = browser.findElement(By.id("shopper-b"));
        waitForGeneration(a, 1);
        waitForGeneration(b, 1);
        assertEquals(
                StoreShop.SHOPPER_A, a.findElement(By.cssSelector("input.user")).getDomProperty("value"));
        assertEquals(
                StoreShop.SHOPPER_B, b.findElement(By.cssSelector("input.user")).getDomProperty("value"));

        // a search for both shoppers
        WebElement query = browser.findElement(By.id("query"));
        query.clear();
        query.sendKeys("heart holder");
        int generationA = generation(a);
        int generationB = generation(b);
        browser.findElement(By.cssSelector("#search button")).click();
        waitForGeneration(a, generationA + 1);
        waitForGeneration(b, generationB + 1);
        assertEquals("", a.findElement(By.cssSelector(".error")).getText());
        assertEquals("", b.findElement(By.cssSelector(".error")).getText());

        List<String> hitsA = skus(a, "ol.hits li");
        List<String> hitsB = skus(b, "ol.hits li");
        assertEquals(8, hitsA.size(), "eight hits for shopper A");
        assertEquals(8, hitsB.size(), "eight hits for shopper B");
        assertNotEquals(hitsA, hitsB, "the same search, a different order for each shopper");
        for (WebElement column : List.of(a, b)) {
            List<String> reasons = texts(column, "ol.hits li .reason");
            assertEquals(8, reasons.size());
            reasons.forEach(r -> assertFalse(r.isBlank(), "every hit shows its reason"));
            assertTrue(
                    reasons.stream().anyMatch(r -> r.equals("matches your search") == false),
                    "some hits are there for a personal reason: " + reasons);
            List<String> shelfReasons = texts(column, "ul.shelf li .reason");
            assertEquals(6, shelfReasons.size(), "a shelf of six");
            shelfReasons.forEach(r -> assertFalse(r.isBlank(), "every shelf item shows its reason"));
            // the model's version and each request's took are on the page
            assertTrue(
                    column.findElement(By.cssSelector(".took-search"))
                            .getText()
                            .matches("took \\d+ ms, model version \\d+"),
                    column.findElement(By.cssSelector(".took-search")).getText());
            assertTrue(
                    column.findElement(By.cssSelector(".took-shelf"))
                            .getText()
                            .matches("took \\d+ ms, model version \\d+"),
                    column.findElement(By.cssSelector(".took-shelf")).getText());
        }
        // the items reasons name are shown by their titles (the page looks them up once per load)
        List<WebElement> refs = browser.findElements(By.cssSelector(".reason .ref"));
        assertFalse(refs.isEmpty(), "reasons that name an item");
        assertTrue(
                refs.stream().anyMatch(r -> r.getText().equals(r.getDomAttribute("data-ref")) == false),
                "reasons name items by their titles");
        String activeVersion = es.get("/_recommend/models/" + StoreShop.MODEL)
                .ok()
                .path("status")
                .path("active_version")
                .asText();
        assertEquals(activeVersion, browser.findElement(By.id("model-version")).getText());

        // a click on a product of shopper B's results: a view event, the product opens with similar items, and
        // shopper B's shelf changes; shopper A's page stays as it was
        List<String> shelfBefore = skus(b, "ul.shelf li");
        long viewsBefore = views(StoreShop.SHOPPER_B);
        WebElement clicked = b.findElements(By.cssSelector("ol.hits li")).get(0);
        String clickedSku = clicked.getDomAttribute("data-sku");
        int before = generation(b);
        int beforeA = generation(a);
        clicked.findElement(By.cssSelector(".title")).click();
        waitForGeneration(b, before + 1);
        assertEquals("", b.findElement(By.cssSelector(".error")).getText());
        assertEquals(viewsBefore + 1, views(StoreShop.SHOPPER_B), "the click was recorded as a view event");
        WebElement opened = b.findElement(By.cssSelector(".opened"));
        assertTrue(opened.isDisplayed(), "the product opened");
        assertTrue(opened.getText().contains(clickedSku), opened.getText());
        List<String> similar = skus(b, "ul.similar li");
        assertFalse(similar.isEmpty(), "similar items of the opened product");
        assertFalse(similar.contains(clickedSku), "an item is not similar to itself");
        List<String> shelfAfter = skus(b, "ul.shelf li");
        assertNotEquals(shelfBefore, shelfAfter, "the shelf changed after one click, without retraining");
        assertEquals(beforeA, generation(a), "the other shopper's column was not reloaded");

        Path target = RealCluster.root().resolve("it/target");
        Files.createDirectories(target);
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path saved = target.resolve("storefront.png");
        Files.copy(shot.toPath(), saved, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("StorefrontIT: screenshot saved to " + saved + "; shelf of " + StoreShop.SHOPPER_B
                + " before the click " + shelfBefore + ", after " + shelfAfter);
    }

    private long views(String user) {
        es.refresh(StoreShop.EVENTS);
        return es.post("/" + StoreShop.EVENTS + "/_count", String.format(Locale.ROOT, """
                        {"query": {"bool": {"filter": [{"term": {"user_id": "%s"}}, {"term": {"type": "view"}}]}}}""", user))
                .ok()
                .path("count")
                .asLong();
    }

    private static int generation(WebElement column) {
        String g = column.getDomAttribute("data-generation");
        return g == null ? 0 : Integer.parseInt(g);
    }

    /** Waits until the column has finished its n-th load (the page counts them in data-generation). */
    private static void waitForGeneration(WebElement column, int n) {
        new WebDriverWait(browser, Duration.ofSeconds(60))
                .until(d -> generation(column) >= n && "ready".equals(column.getDomAttribute("data-state")));
    }

    private static List<String> skus(WebElement column, String selector) {
        return column.findElements(By.cssSelector(selector)).stream()
                .map(e -> e.getDomAttribute("data-sku"))
                .toList();
    }

    private static List<String> texts(WebElement column, String selector) {
        return column.findElements(By.cssSelector(selector)).stream()
                .map(WebElement::getText)
                .toList();
    }
}
