package io.trailwatch.playbooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.Ipv6Range;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * After an ingress rule opened to the world: revokes exactly the world-open ranges ({@code 0.0.0.0/0}, {@code ::/0})
 * of the permissions the event added, leaving narrower ranges of the same call alone
 * ({@code ec2:RevokeSecurityGroupIngress} on the group).
 */
public final class RevokeOpenIngress extends Playbook {

    private final Function<String, Ec2Client> clients;

    public RevokeOpenIngress() {
        this(Clients.ec2(null));
    }

    RevokeOpenIngress(Function<String, Ec2Client> clients) {
        this.clients = clients;
    }

    @Override
    protected ObjectNode run(String region, JsonNode targets, boolean dryRun) {
        String group = required(targets, "groupId");
        List<IpPermission> open = new ArrayList<>();
        for (JsonNode p : targets.path("ipPermissions").path("items")) {
            List<IpRange> v4 = new ArrayList<>();
            for (JsonNode r : p.path("ipRanges").path("items")) {
                if ("0.0.0.0/0".equals(r.path("cidrIp").asText())) {
                    v4.add(IpRange.builder().cidrIp("0.0.0.0/0").build());
                }
            }
            List<Ipv6Range> v6 = new ArrayList<>();
            for (JsonNode r : p.path("ipv6Ranges").path("items")) {
                if ("::/0".equals(r.path("cidrIpv6").asText())) {
                    v6.add(Ipv6Range.builder().cidrIpv6("::/0").build());
                }
            }
            if (!v4.isEmpty() || !v6.isEmpty()) {
                var b = IpPermission.builder().ipProtocol(p.path("ipProtocol").asText("-1")).ipRanges(v4).ipv6Ranges(v6);
                if (p.has("fromPort")) {
                    b.fromPort(p.get("fromPort").asInt());
                }
                if (p.has("toPort")) {
                    b.toPort(p.get("toPort").asInt());
                }
                open.add(b.build());
            }
        }
        if (open.isEmpty()) {
            throw new IllegalArgumentException("the event opened nothing to 0.0.0.0/0 or ::/0 on " + group);
        }
        if (!dryRun) {
            try (Ec2Client ec2 = clients.apply(region)) {
                ec2.revokeSecurityGroupIngress(b -> b.groupId(group).ipPermissions(open));
            }
        }
        ObjectNode out = JSON.createObjectNode().put("groupId", group).put("dryRun", dryRun).put("permissions", open.size());
        return out.put("action", dryRun ? "would revoke world-open ingress" : "revoked world-open ingress");
    }
}
