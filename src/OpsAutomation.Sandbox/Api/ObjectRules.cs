using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s.Models;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// What the real server's registry strategies do to a body before it is stored: the defaults a client
/// sees come back (a pod's restartPolicy, a deployment's strategy, a service's clusterIP ...) and the
/// validation whose messages clients show (names, selectors).
/// </summary>
public sealed partial class ObjectRules
{
    private int _nextClusterIp = 10;

    /// <summary>Fills the server-side defaults of a new object.</summary>
    public void Default(ResourceType type, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        switch (type.Kind)
        {
            case "Namespace":
                var name = obj["metadata"]!["name"]!.GetValue<string>();
                Ensure(obj, "metadata", "labels")["kubernetes.io/metadata.name"] = name;
                Ensure(obj, "spec")["finalizers"] ??= new JsonArray("kubernetes");
                Ensure(obj, "status")["phase"] = "Active";
                break;
            case "Pod":
                DefaultPodSpec(Ensure(obj, "spec"));
                Ensure(obj, "status")["phase"] ??= "Pending";
                obj["status"]!["qosClass"] ??= "BestEffort";
                break;
            case "Deployment":
                var spec = Ensure(obj, "spec");
                spec["replicas"] ??= 1;
                spec["revisionHistoryLimit"] ??= 10;
                spec["progressDeadlineSeconds"] ??= 600;
                var strategy = Ensure(spec, "strategy");
                strategy["type"] ??= "RollingUpdate";
                if (strategy["type"]!.GetValue<string>() == "RollingUpdate")
                {
                    var rolling = Ensure(strategy, "rollingUpdate");
                    rolling["maxUnavailable"] ??= "25%";
                    rolling["maxSurge"] ??= "25%";
                }
                DefaultTemplate(spec);
                break;
            case "ReplicaSet":
                Ensure(obj, "spec")["replicas"] ??= 1;
                DefaultTemplate(obj["spec"]!.AsObject());
                break;
            case "Service":
                DefaultService(Ensure(obj, "spec"));
                break;
            case "Secret":
                obj["type"] ??= "Opaque";
                break;
        }
    }

    /// <summary>Keeps what a write may not change: a service's clusterIP, status written only through /status.</summary>
    public static void Carry(ResourceType type, JsonObject stored, JsonObject updated, bool toStatus)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(updated);
        if (toStatus)
        {
            // A write to /status changes the status only.
            foreach (var key in updated.Select(p => p.Key).Where(k => k is not ("status" or "metadata")).ToList())
            {
                updated.Remove(key);
            }
            foreach (var (key, value) in stored.Where(p => p.Key is not ("status" or "metadata")))
            {
                updated[key] = value?.DeepClone();
            }
            return;
        }
        if (type.HasStatusSubresource)
        {
            updated.Remove("status");
            if (stored["status"] is { } status)
            {
                updated["status"] = status.DeepClone();
            }
        }
        if (type.Kind == "Service" && stored["spec"]?["clusterIP"] is { } clusterIp && updated["spec"] is JsonObject spec)
        {
            spec["clusterIP"] ??= clusterIp.DeepClone();
            spec["clusterIPs"] ??= stored["spec"]!["clusterIPs"]?.DeepClone();
        }
    }

    /// <summary>The causes that make an object invalid, empty when it is valid.</summary>
    public static IReadOnlyList<V1StatusCause> Validate(ResourceType type, JsonObject obj, JsonObject? stored)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        var causes = new List<V1StatusCause>();
        var name = obj["metadata"]?["name"]?.GetValue<string>() ?? "";
        if (NameError(type.NameRule, name) is { } nameError)
        {
            causes.Add(Invalid("metadata.name", name, nameError));
        }
        switch (type.Kind)
        {
            case "Pod" when (obj["spec"]?["containers"] as JsonArray)?.Count is null or 0:
                causes.Add(Required("spec.containers"));
                break;
            case "Deployment" or "ReplicaSet":
                ValidateWorkload(obj, stored, causes);
                break;
        }
        return causes;
    }

    /// <summary>The 5 random characters the server appends to metadata.generateName.</summary>
    public static string GeneratedSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
    }

    private static void ValidateWorkload(JsonObject obj, JsonObject? stored, List<V1StatusCause> causes)
    {
        var selector = obj["spec"]?["selector"];
        if (selector is null)
        {
            causes.Add(Required("spec.selector"));
            return;
        }
        var labels = obj["spec"]?["template"]?["metadata"]?["labels"] as JsonObject;
        var matchLabels = selector["matchLabels"] as JsonObject ?? [];
        if (labels is null || matchLabels.Any(p => labels[p.Key]?.ToString() != p.Value?.ToString()))
        {
            causes.Add(new V1StatusCause
            {
                Reason = "FieldValueInvalid",
                Field = "spec.template.metadata.labels",
                Message = $"Invalid value: {GoMap(labels)}: `selector` does not match template `labels`",
            });
        }
        if (stored is not null && !JsonNode.DeepEquals(stored["spec"]?["selector"], selector))
        {
            causes.Add(new V1StatusCause
            {
                Reason = "FieldValueInvalid",
                Field = "spec.selector",
                Message = $"Invalid value: v1.LabelSelector{{MatchLabels:{GoMap(matchLabels)}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}: field is immutable",
            });
        }
    }

    /// <summary>A label map as Go's %#v prints it, which is how the real messages quote it.</summary>
    private static string GoMap(JsonObject? map) =>
        map is null ? "map[string]string(nil)"
            : "map[string]string{" + string.Join(", ", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":\"{p.Value}\"")) + "}";

    private static string? NameError(NameRule rule, string name)
    {
        if (name.Length == 0)
        {
            return null;
        }
        return rule switch
        {
            NameRule.Label when name.Length > 63 || !Dns1123Label().IsMatch(name) =>
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            NameRule.Dns1035Label when name.Length > 63 || !Dns1035Label().IsMatch(name) =>
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            NameRule.Subdomain when name.Length > 253 || !Dns1123Subdomain().IsMatch(name) =>
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            _ => null,
        };
    }

    private static V1StatusCause Invalid(string field, string value, string why) =>
        new() { Reason = "FieldValueInvalid", Field = field, Message = $"Invalid value: \"{value}\": {why}" };

    private static V1StatusCause Required(string field) =>
        new() { Reason = "FieldValueRequired", Field = field, Message = "Required value" };

    private static void DefaultTemplate(JsonObject spec)
    {
        if (spec["template"]?["spec"] is JsonObject podSpec)
        {
            DefaultPodSpec(podSpec);
        }
    }

    private static void DefaultPodSpec(JsonObject spec)
    {
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["schedulerName"] ??= "default-scheduler";
        spec["securityContext"] ??= new JsonObject();
        foreach (var container in (spec["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            container["terminationMessagePath"] ??= "/dev/termination-log";
            container["terminationMessagePolicy"] ??= "File";
            container["resources"] ??= new JsonObject();
            var image = container["image"]?.GetValue<string>() ?? "";
            var tagged = image.Contains('@', StringComparison.Ordinal) || (image.LastIndexOf(':') > image.LastIndexOf('/') && !image.EndsWith(":latest", StringComparison.Ordinal));
            container["imagePullPolicy"] ??= tagged ? "IfNotPresent" : "Always";
            foreach (var port in (container["ports"] as JsonArray ?? []).OfType<JsonObject>())
            {
                port["protocol"] ??= "TCP";
            }
        }
    }

    private void DefaultService(JsonObject spec)
    {
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        if (spec["clusterIP"] is null)
        {
            var next = Interlocked.Increment(ref _nextClusterIp);
            var ip = $"10.96.{next / 250}.{(next % 250) + 1}";
            spec["clusterIP"] = ip;
            spec["clusterIPs"] = new JsonArray(ip);
        }
        spec["ipFamilies"] ??= new JsonArray("IPv4");
        spec["ipFamilyPolicy"] ??= "SingleStack";
        spec["internalTrafficPolicy"] ??= "Cluster";
        foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["protocol"] ??= "TCP";
            port["targetPort"] ??= port["port"]?.DeepClone();
        }
    }

    private static JsonObject Ensure(JsonObject parent, params string[] path)
    {
        var node = parent;
        foreach (var step in path)
        {
            if (node[step] is not JsonObject child)
            {
                child = [];
                node[step] = child;
            }
            node = child;
        }
        return node;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();
}
