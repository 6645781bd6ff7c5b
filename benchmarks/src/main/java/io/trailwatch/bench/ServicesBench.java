package io.trailwatch.bench;

import io.trailwatch.devkit.Scratch;
import io.trailwatch.local.LocalPlatform;
import io.trailwatch.local.Service;
import io.trailwatch.model.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code ./trailwatch bench services [--corpus DIR]}: each service of the local platform ({@code ./trailwatch local}'s
 * processes, default settings) in events per CPU-second of its own process, beside the floor measured in the same run
 * on the same broker ({@link ProducerFloor}: gunzip, Jackson streaming and a real producer, in a JVM of its own).
 * <ol>
 *     <li>The floor: best of three rounds over the corpus, after a warm-up round.</li>
 *     <li>Warm-up: {@value #WARM_FILES} files of one record, then a generated corpus of about the corpus's size, of the
 *     same mix and accounts but other events, dated before it ({@link Corpus#before}). A service up for
 *     hours has fetched thousands of files, and its per-file code (the SQS and S3 clients, the ledger) is compiled; a
 *     pass of the corpus alone fetches a hundred, and the measured pass then spent about a fifth of ingest-service's
 *     CPU compiling that code and running it interpreted (a Flight Recording showed 1,300 methods compiled during
 *     it, most of them the AWS SDK's).</li>
 *     <li>The measured pass: the corpus, whose events no service has seen. (Measuring the warm-up's corpus again, as
 *     this bench once did, had detect-service skip its management writes, a quarter of the generated events, as second
 *     copies, and find the rest's state already there.) notify, remediate and the console are frozen ({@code kill -STOP})
 *     while ingest and detect take the corpus, then let go and measured taking its findings, so that each stage has the
 *     cores to itself, as the floor had and as pods have theirs: with all five JVMs time-sharing two cores, detect
 *     used 1.8 times the CPU for the same events, and ingest 1.35 times ({@code --all-at-once} measures it that way).
 *     Each service's CPU (user + system, from /proc) is read
 *     before, and again when its own stage is done: ingest when every object is ingested, detect when it has read
 *     every event ingest published, notify, remediate and the console when they have been idle for five seconds (their CPU per
 *     finding includes that idle time, which is what a finding costs them at this rate). Of that CPU, the seconds its
 *     garbage collector's, its JIT compiler's and its Kafka clients' own threads spent (from /proc/PID/task: the
 *     collector's CPU, not the pauses the JVM reports, which are wall clock and two to three times longer on two busy
 *     cores).</li>
 *     <li>Resident memory (RSS) of each service after the run, and its peak.</li>
 * </ol>
 * With {@code --replicas N}, ingest-service and detect-service run N processes each, as N pods would: each replica's
 * row gives its own share of the work and CPU, and the service's row their sum; the wall-clock rate of the measured
 * pass shows what the second replica adds on this machine.
 */
public final class ServicesBench {

    private static final List<String> SERVICES = List.of("ingest", "detect", "notify", "remediate", "console");
    /** The services that take findings: their CPU is counted once they are idle. */
    private static final List<String> FINDING_SERVICES = List.of("notify", "remediate", "console");
    private static final String FLOOR_TOPIC = "trailwatch.bench.floor";
    /**
     * How often a stage is asked whether it is done. A scrape of /q/metrics is work for the service (detect-service's
     * Kafka Streams metrics are thousands of lines): asked every 50 ms, it took a fifth of detect-service's CPU samples;
     * every 500 ms, 5-7% of them over a pass of four minutes. Every 2 s it is a scrape rate that monitoring could have.
     */
    private static final long POLL = 2000;
    /**
     * Small files of the warm-up, for the JIT to compile what runs once per file. The optimizing compiler alone compiles
     * a method after 10,000 calls, and much of the per-file code runs once or twice a file (docs/local.md, "Ingest's
     * cost per file").
     */
    static final int WARM_FILES = 5_000;
    private static final int UPLOADERS = 4;

    private ServicesBench() {
    }

    /**
     * What one pass of the corpus cost each replica.
     *
     * @param events     events ingest published (all replicas)
     * @param spent      what each replica spent, by its name
     * @param work       per replica of ingest and detect: the events it published or read
     * @param seconds    from the first upload until detect had read every event
     */
    record Pass(long events, long findings, Map<String, Spent> spent, Map<String, Long> work,
                double seconds) {
    }

    /**
     * What a replica spent: CPU seconds (user + system of its process), and of those the seconds of its garbage
     * collector's threads, of its JIT compiler's and of its Kafka clients' own threads ({@link Proc#kafkaClientThread}),
     * all from /proc. (The pause time a JVM reports is wall clock: during a storm of findings on two shared cores it
     * was two to three times the collector's CPU.)
     */
    record Spent(double cpu, double gc, double jit, double kafka) {

        /** What a replica has spent since it started; NaN for what cannot be read. */
        static Spent soFar(Service replica) {
            long pid = replica.pid().orElse(-1);
            return new Spent(Proc.cpuNanos(pid) / 1e9, Proc.collectorNanos(pid) / 1e9, Proc.compilerNanos(pid) / 1e9,
                    Proc.kafkaClientNanos(pid) / 1e9);
        }

        Spent minus(Spent before) {
            return new Spent(cpu - before.cpu, gc - before.gc, jit - before.jit, kafka - before.kafka);
        }

        Spent plus(Spent other) {
            return new Spent(cpu + other.cpu, gc + other.gc, jit + other.jit, kafka + other.kafka);
        }
    }

    /** The floor's best round. */
    record Floor(long events, double cpuSeconds, double seconds) {
        double perCpuSecond() {
            return events / cpuSeconds;
        }
    }

    public static void run(Path root, Path corpusDir, int files) throws Exception {
        run(root, corpusDir, files, 1);
    }

    /** The bench with {@code replicas} processes of ingest-service and of detect-service, its measured pass staged. */
    public static void run(Path root, Path corpusDir, int files, int replicas) throws Exception {
        run(root, corpusDir, files, replicas, false);
    }

    /**
     * The bench with {@code replicas} processes of ingest-service and of detect-service.
     *
     * @param allAtOnce whether notify, remediate and the console take the measured pass's findings while detect still
     *                  reads its events (five JVMs time-sharing the cores), instead of after it ({@link #pass staged})
     */
    public static void run(Path root, Path corpusDir, int files, int replicas, boolean allAtOnce) throws Exception {
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        List<Corpus.File> corpus = corpusDir == null ? Corpus.generate(files, 42) : Corpus.read(corpusDir);
        long records = corpus.stream().mapToLong(Corpus.File::records).sum();
        long bytes = corpus.stream().mapToLong(f -> f.bytes().length).sum();
        System.out.printf(Locale.ROOT, "corpus: %d files, %,d records, %.1f MB compressed (%s)%n", corpus.size(), records,
                bytes / 1e6, corpusDir == null ? "generated, seed 42" : corpusDir);
        try (var run = BenchPlatform.start(root, "trailwatch-bench-services", BenchPlatform.SLACK_UNLIMITED,
                Map.of("ingest", replicas, "detect", replicas))) {
            LocalPlatform platform = run.platform();
            Floor floor = floor(platform, corpus);
            System.out.printf(Locale.ROOT, "floor: gunzip + Jackson streaming + KafkaProducer (acks=all, idempotent, lz4), own JVM:"
                    + " %,.0f events/CPU-s  (%,d events, %.2f CPU-s, %.2f s)%n", floor.perCpuSecond(), floor.events(),
                    floor.cpuSeconds(), floor.seconds());
            List<Corpus.File> smallFiles = Corpus.small(WARM_FILES, 7);
            int last = WARM_FILES / 5;
            Pass small = pass(platform, smallFiles.subList(0, WARM_FILES - last), "warmup-files/");
            Pass lastSmall = pass(platform, smallFiles.subList(WARM_FILES - last, WARM_FILES), "warmup-files-last/");
            System.out.printf(Locale.ROOT, "warm-up files: %,d files of one record in %.1f s, ingest %.2f CPU-ms per file"
                    + " (the last %,d: %.2f)%n", WARM_FILES, small.seconds() + lastSmall.seconds(),
                    (cpuSeconds(small, "ingest") + cpuSeconds(lastSmall, "ingest")) * 1000 / WARM_FILES, last,
                    cpuSeconds(lastSmall, "ingest") * 1000 / last);
            // as many generated files as hold about the corpus's records (a generated file holds 2,550 on average)
            int warmFiles = corpusDir == null ? files : (int) Math.max(1, Math.min(records / 2_550, 2_000));
            Pass warm = pass(platform, Corpus.before(warmFiles, 43), "warmup/");
            System.out.printf(Locale.ROOT, "warm-up pass: %,d events (generated, seed 43, dated before the corpus), %,d findings"
                    + " in %.1f s%n", warm.events(), warm.findings(), warm.seconds());
            Pass measured = pass(platform, corpus, "measured/", !allAtOnce);
            System.out.printf(Locale.ROOT, "measured pass: %,d events, %,d findings in %.1f s: %,.0f events/s with %d replica%s of"
                    + " ingest and detect%n", measured.events(), measured.findings(), measured.seconds(),
                    measured.events() / measured.seconds(), replicas, replicas == 1 ? "" : "s");
            System.out.println(allAtOnce ? "(all at once: notify, remediate and the console took the findings while detect read the events)\n"
                    : "(staged: notify, remediate and the console frozen until detect had read every event, then measured taking"
                    + " the findings; --all-at-once for all of them at once)\n");
            print(platform, floor, warm, measured);
        }
    }

    /**
     * The table. Events per CPU-second from the measured pass; CPU per finding from both passes (the findings of both
     * reach notify, remediate and the console while the measured pass runs).
     */
    private static void print(LocalPlatform platform, Floor floor, Pass warm, Pass pass) {
        System.out.printf(Locale.ROOT, "%-20s %12s %9s %7s %7s %7s %14s %9s %8s %9s %13s%n", "service", "work", "CPU-s", "GC-s", "JIT-s",
                "Kafka-s", "per CPU-s", "x floor", "RSS MB", "peak MB", "dead letters");
        System.out.printf(Locale.ROOT, "%-20s %,12d %9.2f %7s %7s %7s %,14.0f %9s %8s %9s %13s%n", "floor", floor.events(), floor.cpuSeconds(),
                "-", "-", "-", floor.perCpuSecond(), "1.00", "-", "-", "-");
        for (String s : SERVICES) {
            List<Service> replicas = platform.replicas(s);
            boolean events = s.equals("ingest") || s.equals("detect");
            Spent total = new Spent(0, 0, 0, 0);
            long rss = 0;
            long peak = 0;
            long dead = 0;
            for (Service r : replicas) {
                long pid = r.pid().orElse(-1);
                Spent spent = events ? pass.spent().get(r.name()) : warm.spent().get(r.name()).plus(pass.spent().get(r.name()));
                long replicaRss = Proc.status(pid, "VmRSS:");
                long replicaPeak = Proc.status(pid, "VmHWM:");
                long replicaDead = deadLetters(r, s);
                total = total.plus(spent);
                rss += replicaRss;
                peak += replicaPeak;
                dead += replicaDead;
                if (replicas.size() > 1) {
                    long work = pass.work().get(r.name());
                    System.out.printf(Locale.ROOT, "%-20s %,12d %9.2f %7.2f %7.2f %7.2f %,14.0f %9s %8d %9d %,13d%n", "  " + r.name(), work,
                            spent.cpu(), spent.gc(), spent.jit(), spent.kafka(), work / spent.cpu(),
                            String.format(Locale.ROOT, "%.2f", work / spent.cpu() / floor.perCpuSecond()), replicaRss, replicaPeak, replicaDead);
                }
            }
            long work = events ? pass.events() : warm.findings() + pass.findings();
            double cpu = total.cpu();
            String perCpu = events ? String.format(Locale.ROOT, "%,14.0f", work / cpu)
                    : String.format(Locale.ROOT, "%9.2f ms/f", work == 0 ? Double.NaN : cpu * 1000 / work);
            String ratio = events ? String.format(Locale.ROOT, "%.2f", work / cpu / floor.perCpuSecond()) : "-";
            System.out.printf(Locale.ROOT, "%-20s %,12d %9.2f %7.2f %7.2f %7.2f %14s %9s %8d %9d %,13d%n", s + (replicas.size() > 1 ? " ("
                    + replicas.size() + " replicas)" : ""), work, cpu, total.gc(), total.jit(), total.kafka(), perCpu.strip(), ratio, rss, peak, dead);
        }
        System.out.println("(work: events of the measured pass for ingest and detect, per replica what it published or read;"
                + " findings of both passes for notify, remediate and console; GC-s, JIT-s and Kafka-s: of that CPU time, its garbage"
                + " collector's, its JIT compiler's and its Kafka clients' own threads' (producer network, consumer heartbeat, and"
                + " SmallRye's polling threads, which also run the value deserializers; a Kafka Streams thread processes what it"
                + " fetches and is not among them); ms/f: CPU milliseconds per finding; RSS and peak of"
                + " several replicas: their sum; dead letters: written by the service in the whole run, none expected from a"
                + " generated corpus)");
    }

    /** Dead letters the service wrote since it started ({@code trailwatch_<service>_dead_letters_total}); -1 if unknown. */
    private static long deadLetters(Service service, String name) {
        try {
            return service.counter("trailwatch_" + name + "_dead_letters_total", l -> true);
        } catch (Exception e) {
            return -1;
        }
    }

    /** Runs {@link ProducerFloor} in a JVM of its own against the platform's broker; its best measured round. */
    private static Floor floor(LocalPlatform platform, List<Corpus.File> corpus) throws Exception {
        Path dir = Files.createTempDirectory("trailwatch-floor-corpus");
        try {
            return floor(platform, corpus, dir);
        } finally {
            Scratch.delete(dir);
        }
    }

    private static Floor floor(LocalPlatform platform, List<Corpus.File> corpus, Path dir) throws Exception {
        for (int i = 0; i < corpus.size(); i++) {
            Files.write(dir.resolve(String.format("%06d.json.gz", i)), corpus.get(i).bytes());
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafka().bootstrapServers()))) {
            int partitions = admin.describeTopics(List.of(Topics.EVENTS)).allTopicNames().get().get(Topics.EVENTS).partitions().size();
            admin.createTopics(List.of(new NewTopic(FLOOR_TOPIC, partitions, (short) 1))).all().get();
        }
        // ingest-service's heap settings, collector and compiler, so JIT and GC cost the floor what they cost ingest
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(Service.jvmOptions("ingest"));
        cmd.addAll(List.of("-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), ProducerFloor.class.getName(),
                platform.kafka().bootstrapServers(), FLOOR_TOPIC, dir.toString(), "4"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Floor best = null;
        List<String> output = new ArrayList<>();
        try (var lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                output.add(line);
                String[] f = line.split(" ");
                if (f.length == 8 && f[0].equals("round") && !f[1].equals("0")) {
                    var round = new Floor(Long.parseLong(f[3]), Long.parseLong(f[5]) / 1e9, Long.parseLong(f[7]) / 1e9);
                    if (best == null || round.perCpuSecond() > best.perCpuSecond()) {
                        best = round;
                    }
                }
            }
        }
        if (p.waitFor() != 0 || best == null) {
            throw new IllegalStateException("the floor's JVM failed:\n" + String.join("\n", output));
        }
        return best;
    }

    /** Uploads the corpus under {@code prefix}, with every service taking its part at once; returns what it cost each replica. */
    private static Pass pass(LocalPlatform platform, List<Corpus.File> corpus, String prefix) throws Exception {
        return pass(platform, corpus, prefix, false);
    }

    /**
     * Uploads the corpus under {@code prefix}; returns what it cost each replica.
     *
     * @param staged whether notify, remediate and the console are frozen ({@code kill -STOP}) until detect has read every
     *               event, and only then take the findings: each stage then has the cores to itself, as the floor had
     *               and as a deployment's pods have theirs, instead of five JVMs time-sharing two cores
     */
    private static Pass pass(LocalPlatform platform, List<Corpus.File> corpus, String prefix, boolean staged) throws Exception {
        List<Service> ingest = platform.replicas("ingest");
        List<Service> detect = platform.replicas("detect");
        Map<String, Spent> before = new LinkedHashMap<>();
        SERVICES.forEach(s -> platform.replicas(s).forEach(r -> before.put(r.name(), Spent.soFar(r))));
        Map<String, Long> work0 = work(ingest, detect);
        long objects0 = objectsDone(ingest);
        long published0 = sum(ingest, "trailwatch_ingest_records_published_total");
        long detected0 = sum(detect, "trailwatch_detect_events_total");
        long findings0 = sum(detect, "trailwatch_detect_findings_total");
        Map<String, Spent> spent = new LinkedHashMap<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        List<Long> frozen = new ArrayList<>();
        long t0;
        long events;
        try {
            if (staged) {
                for (String s : FINDING_SERVICES) {
                    for (Service r : platform.replicas(s)) {
                        long pid = r.pid().orElseThrow(() -> new IllegalStateException(r.name() + " is not running"));
                        Proc.signal(pid, "STOP");
                        frozen.add(pid);
                    }
                }
            }
            t0 = System.nanoTime();
            upload(platform, corpus, prefix);
            while (objectsDone(ingest) - objects0 < corpus.size()) {
                check(deadline, "ingest-service did not finish the corpus");
                Thread.sleep(POLL);
            }
            ingest.forEach(r -> spent.put(r.name(), Spent.soFar(r).minus(before.get(r.name()))));
            events = sum(ingest, "trailwatch_ingest_records_published_total") - published0;
            while (sum(detect, "trailwatch_detect_events_total") - detected0 < events) {
                check(deadline, "detect-service did not read every event");
                Thread.sleep(POLL);
            }
            detect.forEach(r -> spent.put(r.name(), Spent.soFar(r).minus(before.get(r.name()))));
        } finally {
            // a frozen process would not even stop when the platform asks it to
            frozen.forEach(pid -> Proc.signal(pid, "CONT"));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long findings = sum(detect, "trailwatch_detect_findings_total") - findings0;
        Map<String, Long> work = work(ingest, detect);
        work.replaceAll((name, n) -> n - work0.get(name));
        awaitIdle(platform, deadline);
        for (String s : FINDING_SERVICES) {
            platform.replicas(s).forEach(r -> spent.put(r.name(), Spent.soFar(r).minus(before.get(r.name()))));
        }
        return new Pass(events, findings, spent, work, seconds);
    }

    /** The CPU seconds a pass cost a service's replicas together. */
    private static double cpuSeconds(Pass pass, String service) {
        return pass.spent().entrySet().stream().filter(e -> e.getKey().equals(service) || e.getKey().startsWith(service + "-"))
                .mapToDouble(e -> e.getValue().cpu()).sum();
    }

    /** Puts the files in the bucket and announces them, a few at a time (a put and a send wait on a round trip each). */
    private static void upload(LocalPlatform platform, List<Corpus.File> files, String prefix) throws Exception {
        ExecutorService uploaders = Executors.newFixedThreadPool(UPLOADERS);
        try {
            List<Future<String>> sent = new ArrayList<>();
            for (Corpus.File f : files) {
                sent.add(uploaders.submit(() -> platform.upload(prefix + f.key(), f.bytes())));
            }
            for (Future<String> f : sent) {
                f.get();
            }
        } finally {
            uploaders.shutdownNow();
        }
    }

    /** Per replica: the events each ingest replica published and each detect replica read. */
    private static Map<String, Long> work(List<Service> ingest, List<Service> detect) throws Exception {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Service r : ingest) {
            out.put(r.name(), sum(List.of(r), "trailwatch_ingest_records_published_total"));
        }
        for (Service r : detect) {
            out.put(r.name(), sum(List.of(r), "trailwatch_detect_events_total"));
        }
        return out;
    }

    /** A counter summed over replicas. */
    private static long sum(List<Service> replicas, String name) throws Exception {
        long total = 0;
        for (Service r : replicas) {
            total += r.counter(name, l -> true);
        }
        return total;
    }

    /** Objects ingest-service's replicas are done with, whatever became of them (retries are not done). */
    private static long objectsDone(List<Service> ingest) throws Exception {
        long total = 0;
        for (Service r : ingest) {
            total += r.counter("trailwatch_ingest_objects_total", l -> !l.contains("outcome=\"retried\""));
        }
        return total;
    }

    /**
     * Waits until notify, remediate and the console have each taken no more CPU than idling (less than 5%, a profiler
     * included) for five seconds.
     */
    private static void awaitIdle(LocalPlatform platform, long deadline) throws Exception {
        int quiet = 0;
        long[] last = findingServicesCpu(platform);
        while (quiet < 5) {
            check(deadline, "notify-service, remediate-service and console-service did not go idle");
            Thread.sleep(1000);
            long[] now = findingServicesCpu(platform);
            boolean idle = true;
            for (int i = 0; i < now.length; i++) {
                idle &= now[i] - last[i] < 50_000_000L;
            }
            quiet = idle ? quiet + 1 : 0;
            last = now;
        }
    }

    private static long[] findingServicesCpu(LocalPlatform platform) {
        return FINDING_SERVICES.stream().mapToLong(s -> Proc.cpuNanos(platform.service(s).pid().orElse(-1))).toArray();
    }

    private static void check(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(what + " within 30 minutes");
        }
    }

}
