using System.Globalization;
using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// The server-side printing `kubectl get` asks for (Accept ...;as=Table;g=meta.k8s.io): a
/// meta.k8s.io/v1 Table with the columns the real server's printers give each kind (priority 1
/// columns are what -o wide adds), ages in its human form, and each row's object as
/// PartialObjectMetadata, the whole object or none (?includeObject=).
/// </summary>
public sealed class TablePrinter(TimeProvider time)
{
    private sealed record Column(string Name, string Type, int Priority, Func<JsonObject, DateTimeOffset, JsonNode?> Cell);

    private static readonly Dictionary<string, Column[]> Columns = new()
    {
        ["Namespace"] = [NameColumn(), Text("Status", o => Read(o, "status", "phase")), AgeColumn()],
        ["Pod"] =
        [
            NameColumn(),
            Text("Ready", o => $"{Statuses(o).Count(s => s?["ready"]?.GetValue<bool>() == true)}/{Array(o, "spec", "containers").Count}"),
            Text("Status", PodStatus),
            new("Restarts", "string", 0, (o, now) => PodRestarts(o, now)),
            AgeColumn(),
            Text("IP", o => Read(o, "status", "podIP") ?? "<none>", 1),
            Text("Node", o => Read(o, "spec", "nodeName") ?? "<none>", 1),
            Text("Nominated Node", o => Read(o, "status", "nominatedNodeName") ?? "<none>", 1),
            Text("Readiness Gates", _ => "<none>", 1),
        ],
        ["Service"] =
        [
            NameColumn(),
            Text("Type", o => Read(o, "spec", "type")),
            Text("Cluster-IP", o => Read(o, "spec", "clusterIP") ?? "<none>"),
            Text("External-IP", _ => "<none>"),
            Text("Port(s)", o => Array(o, "spec", "ports").Count == 0 ? "<none>"
                : string.Join(',', Array(o, "spec", "ports").Select(p => $"{p?["port"]}/{p?["protocol"] ?? "TCP"}"))),
            AgeColumn(),
            Text("Selector", o => Labels(o["spec"]?["selector"]), 1),
        ],
        ["Endpoints"] =
        [
            NameColumn(),
            Text("Endpoints", o =>
            {
                var addresses = Array(o, "subsets").SelectMany(s => (s?["addresses"] as JsonArray ?? []).SelectMany(a =>
                    (s?["ports"] as JsonArray ?? []).Select(p => $"{a?["ip"]}:{p?["port"]}"))).ToList();
                return addresses.Count == 0 ? "<none>" : string.Join(',', addresses);
            }),
            AgeColumn(),
        ],
        ["Event"] =
        [
            new("Last Seen", "string", 0, (o, now) => Since(Read(o, "lastTimestamp") ?? Read(o, "eventTime") ?? Read(o, "metadata", "creationTimestamp"), now)),
            Text("Type", o => Read(o, "type")),
            Text("Reason", o => Read(o, "reason")),
            Text("Object", o => $"{Read(o, "involvedObject", "kind")?.ToLowerInvariant()}/{Read(o, "involvedObject", "name")}"),
            Text("Message", o => Read(o, "message")),
        ],
        ["ConfigMap"] = [NameColumn(), new("Data", "integer", 0, (o, _) => (o["data"] as JsonObject)?.Count ?? 0), AgeColumn()],
        ["Secret"] = [NameColumn(), Text("Type", o => Read(o, "type")), new("Data", "integer", 0, (o, _) => (o["data"] as JsonObject)?.Count ?? 0), AgeColumn()],
        ["Deployment"] =
        [
            NameColumn(),
            Text("Ready", o => $"{Number(o, "status", "readyReplicas")}/{Number(o, "spec", "replicas")}"),
            new("Up-to-date", "integer", 0, (o, _) => Number(o, "status", "updatedReplicas")),
            new("Available", "integer", 0, (o, _) => Number(o, "status", "availableReplicas")),
            AgeColumn(),
            .. WorkloadWideColumns(),
        ],
        ["ReplicaSet"] =
        [
            NameColumn(),
            new("Desired", "integer", 0, (o, _) => Number(o, "spec", "replicas")),
            new("Current", "integer", 0, (o, _) => Number(o, "status", "replicas")),
            new("Ready", "integer", 0, (o, _) => Number(o, "status", "readyReplicas")),
            AgeColumn(),
            .. WorkloadWideColumns(),
        ],
        ["StatefulSet"] =
        [
            NameColumn(),
            Text("Ready", o => $"{Number(o, "status", "readyReplicas")}/{Number(o, "spec", "replicas")}"),
            AgeColumn(),
            .. WorkloadWideColumns()[..2],
        ],
        ["DaemonSet"] =
        [
            NameColumn(),
            new("Desired", "integer", 0, (o, _) => Number(o, "status", "desiredNumberScheduled")),
            new("Current", "integer", 0, (o, _) => Number(o, "status", "currentNumberScheduled")),
            new("Ready", "integer", 0, (o, _) => Number(o, "status", "numberReady")),
            new("Up-to-date", "integer", 0, (o, _) => Number(o, "status", "updatedNumberScheduled")),
            new("Available", "integer", 0, (o, _) => Number(o, "status", "numberAvailable")),
            Text("Node Selector", o => Labels(o["spec"]?["template"]?["spec"]?["nodeSelector"])),
            AgeColumn(),
            .. WorkloadWideColumns(),
        ],
    };

    public static bool Wanted(string accept) => accept.Contains("as=Table", StringComparison.Ordinal);

    /// <summary>A Table of <paramref name="objects"/>; null for a kind with no printer (the client then prints it itself).</summary>
    public JsonObject? Table(ResourceType type, IEnumerable<JsonObject> objects, string resourceVersion, string? includeObject, string? continueToken = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (!Columns.TryGetValue(type.Kind, out var columns))
        {
            return null;
        }
        var now = time.GetUtcNow();
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var row = new JsonObject { ["cells"] = new JsonArray([.. columns.Select(c => c.Cell(obj, now))]) };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    row["object"] = obj.DeepClone();
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = obj["metadata"]?.DeepClone(),
                    };
                    break;
            }
            rows.Add(row);
        }
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion };
        if (continueToken is not null)
        {
            metadata["continue"] = continueToken;
        }
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
            ["columnDefinitions"] = new JsonArray([.. columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Name == "Name" ? "name" : "",
                ["description"] = "",
                ["priority"] = c.Priority,
            })]),
            ["rows"] = rows,
        };
    }

    /// <summary>k8s.io/apimachinery's duration.HumanDuration, as the Age column prints it.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }
        if (seconds < 0)
        {
            return "0s";
        }
        if (seconds < 120)
        {
            return $"{seconds}s";
        }
        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            return seconds % 60 == 0 ? $"{minutes}m" : $"{minutes}m{seconds % 60}s";
        }
        if (minutes < 180)
        {
            return $"{minutes}m";
        }
        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            return minutes % 60 == 0 ? $"{hours}h" : $"{hours}h{minutes % 60}m";
        }
        if (hours < 48)
        {
            return $"{hours}h";
        }
        if (hours < 24 * 8)
        {
            return hours % 24 == 0 ? $"{hours / 24}d" : $"{hours / 24}d{hours % 24}h";
        }
        if (hours < 24 * 365 * 2)
        {
            return $"{hours / 24}d";
        }
        if (hours < 24 * 365 * 8)
        {
            var days = hours / 24 % 365;
            return days == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{days}d";
        }
        return $"{hours / 24 / 365}y";
    }

    private static Column NameColumn() => new("Name", "string", 0, (o, _) => Read(o, "metadata", "name"));

    private static Column AgeColumn() => new("Age", "string", 0, (o, now) => Since(Read(o, "metadata", "creationTimestamp"), now));

    private static string Since(string? timestamp, DateTimeOffset now) =>
        DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var then)
            ? HumanDuration(now - then) : "<unknown>";

    private static Column Text(string name, Func<JsonObject, string?> cell, int priority = 0) => new(name, "string", priority, (o, _) => cell(o));

    private static Column[] WorkloadWideColumns() =>
    [
        Text("Containers", o => string.Join(',', Array(o, "spec", "template", "spec", "containers").Select(c => c?["name"]?.ToString())), 1),
        Text("Images", o => string.Join(',', Array(o, "spec", "template", "spec", "containers").Select(c => c?["image"]?.ToString())), 1),
        Text("Selector", o => Labels(o["spec"]?["selector"]?["matchLabels"]), 1),
    ];

    private static string? Read(JsonObject o, params string[] path)
    {
        JsonNode? node = o;
        foreach (var step in path)
        {
            node = node?[step];
        }
        return node?.ToString();
    }

    private static long Number(JsonObject o, params string[] path) =>
        long.TryParse(Read(o, path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static JsonArray Array(JsonObject o, params string[] path)
    {
        JsonNode? node = o;
        foreach (var step in path)
        {
            node = node?[step];
        }
        return node as JsonArray ?? [];
    }

    private static List<JsonNode?> Statuses(JsonObject o) => [.. Array(o, "status", "containerStatuses")];

    private static string Labels(JsonNode? map) =>
        map is JsonObject { Count: > 0 } labels ? string.Join(',', labels.Select(p => $"{p.Key}={p.Value}")) : "<none>";

    /// <summary>The pod's STATUS as kubectl shows it: a waiting or terminated container's reason, else the phase.</summary>
    /// <summary>The restarts, and since the last one "2 (15s ago)", as the real printer writes them.</summary>
    private static string PodRestarts(JsonObject o, DateTimeOffset now)
    {
        var restarts = Statuses(o).Sum(s => s?["restartCount"]?.GetValue<int>() ?? 0).ToString(CultureInfo.InvariantCulture);
        var last = Statuses(o).Select(s => s?["lastState"]?["terminated"]?["finishedAt"]?.GetValue<string>()).Where(t => t is not null).Max(StringComparer.Ordinal);
        return last is null ? restarts : $"{restarts} ({Since(last, now)} ago)";
    }

    private static string? PodStatus(JsonObject o)
    {
        if (o["metadata"]?["deletionTimestamp"] is not null)
        {
            return "Terminating";
        }
        foreach (var status in Statuses(o))
        {
            if (status?["state"]?["waiting"]?["reason"]?.ToString() is { Length: > 0 } waiting)
            {
                return waiting;
            }
            if (status?["state"]?["terminated"]?["reason"]?.ToString() is { Length: > 0 } terminated)
            {
                return terminated;
            }
        }
        return Read(o, "status", "phase");
    }
}
