package io.trailwatch.playbooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CreateVolumePermission;
import software.amazon.awssdk.services.ec2.model.LaunchPermission;
import software.amazon.awssdk.services.ec2.model.PermissionGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * After an EBS snapshot or an AMI was shared publicly or with another account: removes exactly the permissions the
 * event added ({@code ec2:ModifySnapshotAttribute} or {@code ec2:ModifyImageAttribute}).
 */
public final class RemoveSharing extends Playbook {

    private final Function<String, Ec2Client> clients;

    public RemoveSharing() {
        this(Clients.ec2(null));
    }

    RemoveSharing(Function<String, Ec2Client> clients) {
        this.clients = clients;
    }

    @Override
    protected ObjectNode run(String region, JsonNode targets, boolean dryRun) {
        ObjectNode out = JSON.createObjectNode().put("dryRun", dryRun);
        if (targets.hasNonNull("snapshotId")) {
            String snapshot = required(targets, "snapshotId");
            List<CreateVolumePermission> remove = new ArrayList<>();
            for (JsonNode item : targets.path("createVolumePermission").path("add").path("items")) {
                remove.add(item.has("group") ? CreateVolumePermission.builder().group(PermissionGroup.fromValue(item.get("group").asText())).build()
                        : CreateVolumePermission.builder().userId(item.path("userId").asText()).build());
            }
            requireSome(remove, snapshot);
            if (!dryRun) {
                try (Ec2Client ec2 = clients.apply(region)) {
                    ec2.modifySnapshotAttribute(b -> b.snapshotId(snapshot).createVolumePermission(p -> p.remove(remove)));
                }
            }
            return out.put("snapshotId", snapshot).put("removed", remove.size());
        }
        String image = required(targets, "imageId");
        List<LaunchPermission> remove = new ArrayList<>();
        for (JsonNode item : targets.path("launchPermission").path("add").path("items")) {
            remove.add(item.has("group") ? LaunchPermission.builder().group(PermissionGroup.fromValue(item.get("group").asText())).build()
                    : LaunchPermission.builder().userId(item.path("userId").asText()).build());
        }
        requireSome(remove, image);
        if (!dryRun) {
            try (Ec2Client ec2 = clients.apply(region)) {
                ec2.modifyImageAttribute(b -> b.imageId(image).launchPermission(p -> p.remove(remove)));
            }
        }
        return out.put("imageId", image).put("removed", remove.size());
    }

    private static void requireSome(List<?> remove, String resource) {
        if (remove.isEmpty()) {
            throw new IllegalArgumentException("the event shared " + resource + " with no one to remove");
        }
    }
}
