using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Controllers;

/// <summary>
/// Keeps a Prometheus file_sd target file current: one target per pod whose container runs (ready or
/// not), its application's <c>127.0.0.1:port</c>, labelled namespace, pod, container and app, and the
/// pod's own labels (names made Prometheus-safe). Written atomically (a temporary file in the same
/// folder renamed over it), only when it changes; removed when the sandbox stops.
/// </summary>
public sealed class PrometheusTargets(ObjectWriter writer, TimeProvider time, string path) : Controller(writer, time, "prometheus-targets"), IDisposable
{
    private static readonly ObjectKey All = new("", "");

    private readonly string _path = FullPath(path);
    private string? _written;

    private ResourceType Pods => Store.Registry.Get<V1Pod>();

    protected override IEnumerable<ResourceType> Watched => [Pods];

    protected override IEnumerable<ObjectKey> KeysFor(StoreEvent change) => [All];

    /// <summary>The full path of the target file <paramref name="path"/>; its folder must exist.</summary>
    public static string FullPath(string path)
    {
        var full = Path.GetFullPath(path);
        return Directory.Exists(Path.GetDirectoryName(full))
            ? full
            : throw new ArgumentException($"The folder of the Prometheus file_sd target file '{path}' (--prometheus-sd-file) does not exist.", nameof(path));
    }

    protected override TimeSpan? Reconcile(ObjectKey key)
    {
        var groups = new JsonArray([.. Store.List(Pods, null).Items.Select(p => Target(p.Node)).OfType<JsonNode>()]);
        var text = groups.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        if (text != _written)
        {
            var temporary = Path.Combine(Path.GetDirectoryName(_path)!, $".{Path.GetFileName(_path)}.{Environment.ProcessId}.tmp");
            File.WriteAllText(temporary, text, new UTF8Encoding(false));
            File.Move(temporary, _path, overwrite: true);
            _written = text;
        }
        return null;
    }

    /// <summary>The target group of a pod whose container runs; null for any other pod.</summary>
    public static JsonObject? Target(JsonObject pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var metadata = pod["metadata"] as JsonObject ?? [];
        var port = metadata["annotations"]?[Kubelet.PortAnnotation]?.GetValue<string>();
        var container = (pod["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault();
        if (port is null || !Objects.IsActive(pod) || Objects.Phase(pod) != "Running" || container?["state"]?["running"] is null)
        {
            return null;
        }
        var labels = new JsonObject();
        var podLabels = metadata["labels"] as JsonObject ?? [];
        foreach (var (name, value) in podLabels)
        {
            labels[LabelName(name)] = value?.DeepClone();
        }
        labels["namespace"] = metadata["namespace"]?.DeepClone();
        labels["pod"] = metadata["name"]?.DeepClone();
        labels["container"] = container["name"]?.DeepClone();
        labels["app"] = (podLabels["app"] ?? podLabels["app.kubernetes.io/name"] ?? metadata["name"])?.DeepClone();
        return new JsonObject { ["targets"] = new JsonArray($"127.0.0.1:{port}"), ["labels"] = labels };
    }

    /// <summary>A Kubernetes label name as a Prometheus label name: each character outside [a-zA-Z0-9_] an underscore, as kubernetes_sd writes them; never the reserved <c>__</c> prefix.</summary>
    public static string LabelName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var safe = string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_'));
        return safe.Length == 0 || char.IsAsciiDigit(safe[0]) || safe.StartsWith("__", StringComparison.Ordinal) ? "label_" + safe : safe;
    }

    /// <summary>Removes the file: the sandbox's pods stop with it.</summary>
    public void Dispose() => File.Delete(_path);
}
