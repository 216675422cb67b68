package cloudtap.estest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;
import org.opensearch.analysis.common.CommonAnalysisPlugin;

/**
 * Starts one real OpenSearch node for cloudtap's tests, from jars on the
 * class path instead of a distribution: Maven Central serves the server
 * and its modules, but no registry here serves the packaged distribution.
 *
 * <p>Usage: {@code Launcher HOME [key=value ...]}. HOME holds data and
 * logs; every key=value is a node setting (http.port, thread_pool.write.queue_size,
 * ...). It prints one line "estest-opensearch: started http://HOST:PORT" once
 * the node answers, and closes the node cleanly on SIGTERM or SIGINT.
 *
 * <p>The modules are the distribution's own code (transport-netty4 for
 * HTTP, analysis-common), loaded as class-path plugins as OpenSearch's own
 * test framework does; there is no security manager, since none is needed
 * for a throw-away node owned by one test.
 */
public final class Launcher {
    private static final List<Class<? extends Plugin>> MODULES =
        List.of(Netty4Plugin.class, CommonAnalysisPlugin.class);

    /** A Node with class-path plugins; Node's constructor for them is protected. */
    private static final class ClasspathNode extends Node {
        ClasspathNode(Environment env, Collection<Class<? extends Plugin>> plugins) {
            super(env, plugins, true);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Launcher HOME [setting=value ...]");
            System.exit(2);
        }
        Path home = Paths.get(args[0]).toAbsolutePath();
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("logs"));

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
                System.err.println("estest-opensearch: bad setting \"" + args[i] + "\": want key=value");
                System.exit(2);
            }
            sb.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Settings settings = sb.build();

        // Warnings and errors to stdout, which the test harness keeps in a
        // log file; INFO would bury them under start-up chatter.
        Files.writeString(home.resolve("config").resolve("log4j2.properties"), String.join("\n",
            "status = error",
            "appender.console.type = Console",
            "appender.console.name = console",
            "appender.console.layout.type = PatternLayout",
            "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%c{1.}] %m%n",
            "rootLogger.level = warn",
            "rootLogger.appenderRef.console.ref = console", ""));
        LogConfigurator.registerErrorListener();
        Environment env = InternalSettingsPreparer.prepareEnvironment(
            settings, Collections.emptyMap(), home.resolve("config"), () -> "estest");
        LogConfigurator.configure(env);

        Node node = new ClasspathNode(env, MODULES);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("estest-opensearch: close: " + e);
            } finally {
                closed.countDown();
            }
        }, "estest-shutdown"));
        node.start();
        String addr = node.injector().getInstance(org.opensearch.http.HttpServerTransport.class)
            .boundAddress().publishAddress().toString();
        System.out.println("estest-opensearch: started http://" + addr);
        System.out.flush();
        closed.await();
    }
}
