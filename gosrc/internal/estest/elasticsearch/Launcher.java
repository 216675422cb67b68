package cloudtap.estest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

/**
 * Starts one real Elasticsearch 8 node for cloudtap's tests from the jars
 * Maven Central serves: no registry here serves the packaged distribution,
 * and Elasticsearch publishes no test framework (MockNode) there.
 *
 * <p>Run it as the distribution runs the server, with lib/ on the module
 * path ({@code java --module-path lib --add-modules=ALL-MODULE-PATH -cp
 * launcher.jar cloudtap.estest.Launcher HOME [key=value ...]}): the
 * server's plugin loader needs the server to be a named module. HOME holds
 * data, logs and the module layout; every key=value is a node setting. It
 * prints one line "estest-elasticsearch: started http://HOST:PORT" once the
 * node answers, and closes the node cleanly on SIGTERM or SIGINT.
 *
 * <p>This is the bootstrap's own sequence (Elasticsearch.main) less what a
 * throw-away test node does not need: no CLI, keystore, entitlements or
 * native controller, and no bootstrap checks, which a node bound to
 * loopback with discovery.type=single-node does not run. The one module,
 * transport-netty4, is loaded by the server's PluginsLoader from
 * HOME/modules. Modules Maven Central does not serve (rest-root: no
 * {@code GET /}; data-streams: no {@code /_data_stream} API; x-pack: no
 * security) are absent; data streams themselves, composable templates and
 * the ip type are in the server.
 */
public final class Launcher {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Launcher HOME [setting=value ...]");
            System.exit(2);
        }
        // Before any other server class: the server's logging facade needs
        // its provider, and x-content logs as it loads.
        LogConfigurator.registerErrorListener();
        LogConfigurator.configureESLogging();

        Path home = Paths.get(args[0]).toAbsolutePath();
        Path config = home.resolve("config");
        Files.createDirectories(config);
        Files.createDirectories(home.resolve("logs"));
        Path modules = home.resolve("modules");
        installModules(modules);

        Settings.Builder sb = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", "cloudtap-test")
            .put("node.name", "estest")
            .put("network.host", "127.0.0.1")
            .put("http.port", "9200")
            .put("transport.port", "0")
            .put("discovery.type", "single-node")
            // A test machine's disk may be fuller than a server's: never
            // turn indices read-only because of it.
            .put("cluster.routing.allocation.disk.threshold_enabled", "false")
            .put("action.auto_create_index", "true");
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("estest-elasticsearch: bad setting \"" + args[i] + "\": want key=value");
                System.exit(2);
            }
            sb.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Settings settings = sb.build();

        // Warnings and errors to stdout, which the test harness keeps in a
        // log file; INFO would bury them under start-up chatter.
        Files.writeString(config.resolve("log4j2.properties"), String.join("\n",
            "status = error",
            "appender.console.type = Console",
            "appender.console.name = console",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%c{1.}] %m%n",
            "rootLogger.level = warn",
            "rootLogger.appenderRef.console.ref = console", ""));
        Environment env = InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), config, () -> "estest");
        LogConfigurator.setNodeName("estest");
        LogConfigurator.configure(env, true);

        PluginsLoader plugins = PluginsLoader.createPluginsLoader(
            PluginsLoader.loadModulesBundles(env.modulesDir()), Set.of(), Map.of());
        Node node = new Node(env, plugins);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("estest-elasticsearch: close: " + e);
            } finally {
                closed.countDown();
            }
        }, "estest-shutdown"));
        node.start();
        String addr = node.injector().getInstance(HttpServerTransport.class)
            .boundAddress().publishAddress().toString();
        System.out.println("estest-elasticsearch: started http://" + addr);
        System.out.flush();
        closed.await();
    }

    /**
     * Lays out HOME/modules as a distribution does, from the build's
     * modules/ beside the launcher jar: one directory per module holding
     * links to its jars and its descriptor. Made anew at every start, so a
     * rebuilt node is never mixed with an old layout.
     */
    private static void installModules(Path modules) throws IOException {
        Path built = Paths.get(Launcher.class.getProtectionDomain().getCodeSource().getLocation().getPath())
            .getParent().resolve("modules");
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(built)) {
            for (Path src : dirs) {
                Path dst = modules.resolve(src.getFileName());
                if (Files.exists(dst)) {
                    try (Stream<Path> old = Files.walk(dst)) {
                        old.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
                Files.createDirectories(dst);
                try (DirectoryStream<Path> jars = Files.newDirectoryStream(src, "*.jar")) {
                    for (Path jar : jars) {
                        Files.createSymbolicLink(dst.resolve(jar.getFileName()), jar.toAbsolutePath());
                    }
                }
                String name = src.getFileName().toString();
                Files.writeString(dst.resolve("plugin-descriptor.properties"), descriptor(src, name));
            }
        }
    }

    /**
     * The module's descriptor: the one its jar carries, less "modulename".
     * A named plugin module would need the server in a module layer of its
     * own; a plain class loader over the module's jars needs nothing.
     */
    private static String descriptor(Path dir, String name) throws IOException {
        String entry = "META-INF/es-plugins/" + name + "/plugin-descriptor.properties";
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "*.jar")) {
            for (Path jar : jars) {
                try (JarFile jf = new JarFile(jar.toFile())) {
                    JarEntry e = jf.getJarEntry(entry);
                    if (e == null) {
                        continue;
                    }
                    Properties props = new Properties();
                    try (InputStream in = jf.getInputStream(e)) {
                        props.load(in);
                    }
                    props.remove("modulename");
                    StringBuilder out = new StringBuilder();
                    for (String k : new TreeSet<>(props.stringPropertyNames())) {
                        out.append(k).append('=').append(props.getProperty(k)).append('\n');
                    }
                    return out.toString();
                }
            }
        }
        throw new IOException("no " + entry + " in the jars of " + dir);
    }
}
