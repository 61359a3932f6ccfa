using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Controllers;

/// <summary>
/// Writes core/v1 Events about an object as the real components do (reason, message, type, source
/// component, first and last timestamps), the ones `kubectl get events` and `kubectl describe` show.
/// </summary>
public sealed class EventRecorder(ObjectWriter writer, TimeProvider time)
{
    public void Record(StoredObject about, string component, string reason, string message, string type = "Normal", string? fieldPath = null)
    {
        ArgumentNullException.ThrowIfNull(about);
        var now = ObjectStore.Timestamp(time.GetUtcNow());
        var involved = new JsonObject
        {
            ["kind"] = about.Type.Kind,
            ["namespace"] = about.Namespace,
            ["name"] = about.Name,
            ["uid"] = about.Uid,
            ["apiVersion"] = about.Type.ApiVersion,
            ["resourceVersion"] = about.ResourceVersion.ToString(CultureInfo.InvariantCulture),
        };
        if (fieldPath is not null)
        {
            involved["fieldPath"] = fieldPath;
        }
        var ev = new JsonObject
        {
            ["metadata"] = new JsonObject { ["generateName"] = about.Name + ".", ["namespace"] = about.Namespace },
            ["involvedObject"] = involved,
            ["reason"] = reason,
            ["message"] = message,
            ["source"] = new JsonObject { ["component"] = component },
            ["firstTimestamp"] = now,
            ["lastTimestamp"] = now,
            ["count"] = 1,
            ["type"] = type,
            ["reportingComponent"] = component,
        };
        writer.Create(writer.Store.Registry.Get<Corev1Event>(), ev, component);
    }
}
