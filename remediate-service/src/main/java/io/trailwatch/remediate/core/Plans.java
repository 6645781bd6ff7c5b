package io.trailwatch.remediate.core;

import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.EventOrigin;
import io.trailwatch.model.Finding;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Which remediations a finding calls for, and whether each runs, is a dry run, or is skipped (and why). */
public final class Plans {

    /**
     * A remediation as configured.
     *
     * @param name           its name
     * @param ruleIds        rules it answers (empty: any)
     * @param categories     categories it answers (empty: any)
     * @param accounts       accounts (empty: any)
     * @param regions        regions (empty: any)
     * @param function       the Lambda function
     * @param invocationType RequestResponse or Event
     * @param enabled        whether it invokes for real
     * @param requireDigest  invoke only once a CloudTrail digest validated the log file of the finding's event
     */
    public record Remediation(String name, Set<String> ruleIds, Set<String> categories, Set<String> accounts,
                              Set<String> regions, String function, String invocationType, boolean enabled,
                              boolean requireDigest) {
        public Remediation {
            if (!invocationType.equals("RequestResponse") && !invocationType.equals("Event")) {
                throw new IllegalArgumentException("remediation '" + name + "': invocation-type is RequestResponse or Event, not '"
                        + invocationType + "'");
            }
        }

        /** A remediation that does not wait for digests. */
        public Remediation(String name, Set<String> ruleIds, Set<String> categories, Set<String> accounts,
                           Set<String> regions, String function, String invocationType, boolean enabled) {
            this(name, ruleIds, categories, accounts, regions, function, invocationType, enabled, false);
        }

        boolean matches(Finding f) {
            return any(ruleIds, f.ruleId()) && any(categories, f.category()) && any(accounts, f.accountId()) && any(regions, f.region());
        }

        private static boolean any(Set<String> allowed, String v) {
            return allowed.isEmpty() || (v != null && allowed.contains(v));
        }
    }

    /** What to do: invoke, dry-run, skip with a reason, or hold until the log file's digest validated it. */
    public enum Action { INVOKE, DRY_RUN, SKIP, HOLD }

    /**
     * One remediation for one finding, decided.
     *
     * @param remediation the remediation
     * @param action      what to do
     * @param reason      why not invoke (dry run, skip or hold), else null
     */
    public record Plan(Remediation remediation, Action action, String reason) {
    }

    private final List<Remediation> remediations;
    private final boolean enabled;
    private final Set<String> allowedAccounts;

    public Plans(List<Remediation> remediations, boolean enabled, Set<String> allowedAccounts) {
        this.remediations = List.copyOf(remediations);
        this.enabled = enabled;
        this.allowedAccounts = Set.copyOf(allowedAccounts);
    }

    /**
     * Why the finding's provenance does not allow acting on it, or null when it does: its evidence must come from a log
     * file whose key names the account its records say they are from, or from an EventBridge event of that account
     * (ingest-service dead-letters records that do not, and stamps the others {@link EventOrigin#VERIFIED}), and the
     * finding must be about that account.
     */
    static String unverified(Finding f) {
        CloudTrailEvent e = f.evidence();
        if (e == null || e.origin() == null) {
            return "provenance unknown: the finding's event did not come from a log file ingest-service checked";
        }
        if (!e.origin().accountVerified() && e.origin().viaEventBridge()) {
            return "provenance unverified: EventBridge event " + e.origin().eventBridgeId() + " was not checked against its account";
        }
        if (!e.origin().accountVerified()) {
            return "provenance unverified: s3://" + e.origin().bucket() + "/" + e.origin().key()
                    + " is not in CloudTrail's key layout, so its account could not be checked";
        }
        if (!java.util.Objects.equals(f.accountId(), e.accountId())) {
            return "provenance mismatch: the finding is about account " + f.accountId() + ", its event about " + e.accountId();
        }
        return null;
    }

    /** The plans for a finding, given whether the kill switch is on now, for remediations that need no digest. */
    public List<Plan> plan(Finding f, boolean killSwitch) {
        return plan(f, killSwitch, LogFileVerdicts.NONE);
    }

    /**
     * The plans for a finding, given whether the kill switch is on now and what digests said of log files so far. A
     * remediation that requires a validated digest is held while no digest has vouched for the log file of the
     * finding's event, and skipped when one found it deleted or modified.
     */
    public List<Plan> plan(Finding f, boolean killSwitch, LogFileVerdicts digests) {
        List<Plan> out = new ArrayList<>();
        for (Remediation r : remediations) {
            if (!r.matches(f)) {
                continue;
            }
            if (f.denied()) {
                out.add(new Plan(r, Action.SKIP, "the call was denied: nothing to undo"));
            } else if (killSwitch) {
                out.add(new Plan(r, Action.SKIP, "kill switch on"));
            } else if (!allowedAccounts.contains(f.accountId())) {
                out.add(new Plan(r, Action.SKIP, "account " + f.accountId() + " not allowlisted"));
            } else if (unverified(f) != null) {
                out.add(new Plan(r, Action.SKIP, unverified(f)));
            } else if (!enabled) {
                out.add(new Plan(r, Action.DRY_RUN, "remediation disabled globally"));
            } else if (!r.enabled()) {
                out.add(new Plan(r, Action.DRY_RUN, "remediation not enabled"));
            } else if (r.requireDigest()) {
                out.add(digestPlan(r, f.evidence().origin(), digests));
            } else {
                out.add(new Plan(r, Action.INVOKE, null));
            }
        }
        return out;
    }

    private static Plan digestPlan(Remediation r, EventOrigin origin, LogFileVerdicts digests) {
        if (origin.viaEventBridge()) {
            // the finding came from the EventBridge copy; its log file's copy is skipped as the second, so no digest
            // will ever name the file of this finding's event
            return new Plan(r, Action.SKIP, "the finding's event came through EventBridge (event " + origin.eventBridgeId()
                    + "), which no CloudTrail digest covers; this remediation requires a validated digest");
        }
        if (origin.bucket() == null || origin.key() == null) {
            // detect-service did not see the record that named the file (docs/topics.md, "Which log file")
            return new Plan(r, Action.SKIP, "the finding's log file is known only by its id " + origin.logFile()
                    + ", so no digest can be matched to it; this remediation requires a validated digest");
        }
        String file = "s3://" + origin.bucket() + "/" + origin.key();
        var verdict = digests.of(file);
        if (verdict.isEmpty()) {
            return new Plan(r, Action.HOLD, "awaiting a CloudTrail digest that validates " + file);
        }
        if (!verdict.get().valid()) {
            return new Plan(r, Action.SKIP, "log file failed digest validation: " + verdict.get().detail());
        }
        return new Plan(r, Action.INVOKE, null);
    }
}
