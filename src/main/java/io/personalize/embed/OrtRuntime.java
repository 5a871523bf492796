package io.personalize.embed;

import ai.onnxruntime.OrtEnvironment;
import java.util.Locale;

/**
 * ONNX Runtime's process-wide environment. Its first use loads the native libraries: ONNX Runtime copies the ones for
 * this platform out of its jar into {@code java.io.tmpdir} (the node's temp directory, which Elasticsearch's
 * entitlements let every plugin write) and loads them (the plugin's {@code load_native_libraries} entitlement). A
 * platform the plugin ships no natives for (only Linux x86_64 and aarch64 are in the zip), or a temp directory
 * mounted {@code noexec}, makes every use fail with {@link UnavailableException}, never the node.
 */
final class OrtRuntime {

    private static volatile OrtEnvironment environment;
    private static volatile String failure;

    private OrtRuntime() {}

    /** A model can be used on this node only if this returns; the message says why not. */
    static OrtEnvironment environment() {
        OrtEnvironment env = environment;
        if (env != null) {
            return env;
        }
        synchronized (OrtRuntime.class) {
            if (environment == null && failure == null) {
                try {
                    environment = OrtEnvironment.getEnvironment();
                } catch (RuntimeException | LinkageError e) {
                    // LinkageError: UnsatisfiedLinkError, or the static initialiser's failure
                    // (ExceptionInInitializerError)
                    // and every later NoClassDefFoundError; RuntimeException: an entitlement refused
                    failure = "the ONNX Runtime native library could not be loaded on this node ("
                            + System.getProperty("os.name").toLowerCase(Locale.ROOT) + "-"
                            + System.getProperty("os.arch") + "; the plugin ships linux-x64 and linux-aarch64): " + e;
                }
            }
            if (environment == null) {
                throw new UnavailableException(failure);
            }
            return environment;
        }
    }

    /** The native runtime cannot run here: a configuration error (400), never a node failure. */
    static final class UnavailableException extends IllegalArgumentException {
        UnavailableException(String message) {
            super(message);
        }
    }
}
