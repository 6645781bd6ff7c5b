package io.trailwatch.detect.service.outbound;

import io.quarkus.runtime.configuration.MemorySizeConverter;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.Map;

/**
 * Bounds the off-heap memory of every RocksDB store in the process: one block cache, shared by all stores, holds data,
 * index and filter blocks, and a write buffer manager charges the memtables to the same cache. Kafka Streams' default
 * gives each store its own 50 MB block cache and up to three 16 MB memtables, with index and filter blocks outside any
 * cache, so a replica's memory grows with the partitions it owns and the data it holds. The size is the Kafka Streams
 * property {@value #MEMORY} ({@code trailwatch.detect.state-memory}); the memtables take at most half of it.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {

    /** The Kafka Streams property that carries the size, e.g. {@code 64M}. */
    public static final String MEMORY = "trailwatch.state.memory";
    /** The smallest size accepted: below it, memtables flush so often that writes stall. */
    public static final long MIN_BYTES = 16L << 20;
    private static final long MAX_MEMTABLE = 16L << 20;

    private static Shared shared;

    /** What every store shares; RocksDB objects live as long as the process, as Kafka Streams' documentation advises. */
    private record Shared(long bytes, Cache cache, WriteBufferManager writeBuffers) {
    }

    /** The size a property value names: a number of bytes, or a size such as {@code 64M}. */
    public static long bytes(Object value) {
        long bytes = value instanceof Number n ? n.longValue()
                : new MemorySizeConverter().convert(String.valueOf(value).trim()).asLongValue();
        if (bytes < MIN_BYTES) {
            throw new IllegalArgumentException("trailwatch.detect.state-memory is " + value + ": at least 16M is needed");
        }
        return bytes;
    }

    private static synchronized Shared shared(long bytes) {
        if (shared == null || shared.bytes() != bytes) {
            Cache cache = new LRUCache(bytes, -1, false, 0.1);
            shared = new Shared(bytes, cache, new WriteBufferManager(bytes / 2, cache));
        }
        return shared;
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object configured = configs.get(MEMORY);
        Shared s = shared(bytes(configured == null ? "64M" : configured));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(s.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(s.writeBuffers());
        options.setWriteBufferSize(Math.min(MAX_MEMTABLE, s.bytes() / 8));
        options.setMaxWriteBufferNumber(2);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the write buffer manager are shared by every store, so they outlive any one of them
    }
}
