package io.trailwatch.messaging;

import net.jpountz.lz4.LZ4Factory;
import org.jboss.logging.Logger;

/**
 * Lets Kafka's lz4 codec use the native (JNI) implementation.
 *
 * <p>{@link LZ4Factory#fastestInstance()}, which Kafka asks for each batch it compresses or decompresses, loads the
 * native library only when lz4-java was loaded by the system class loader, and otherwise falls back to the pure-Java
 * implementation unless the native one is loaded already. A Quarkus application loads its libraries with its own class
 * loader, so without this every lz4 batch is compressed in Java: measured at about a third of ingest-service's CPU. Loading
 * it explicitly once, at start, makes every later batch native. Where the platform has no native build (or the
 * temporary directory the library is unpacked to is not writable), Kafka goes on with the Java implementation.
 */
public final class NativeCompression {

    private static final Logger LOG = Logger.getLogger(NativeCompression.class);

    private NativeCompression() {
    }

    /** Loads native lz4; returns the implementation Kafka now gets ({@code JNI}, or {@code JavaSafe} when it could not). */
    public static synchronized String loadLz4() {
        try {
            LZ4Factory.nativeInstance();
        } catch (Throwable e) { // UnsatisfiedLinkError, or an unwritable temporary directory
            LOG.warnf("lz4 compression runs in Java: the native library did not load (%s)", e.toString());
        }
        return lz4();
    }

    /** The lz4 implementation Kafka's codec gets now. */
    public static String lz4() {
        return LZ4Factory.fastestInstance().toString().replace("LZ4Factory:", "");
    }
}
