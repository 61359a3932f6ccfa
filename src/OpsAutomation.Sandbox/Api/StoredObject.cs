using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// One committed version of an object: its JSON tree (never changed once stored: readers get clones)
/// and its text, serialized once for every list, get and watch that sends it.
/// </summary>
public sealed class StoredObject
{
    internal StoredObject(ResourceType type, JsonObject node, long resourceVersion)
    {
        Type = type;
        Node = node;
        ResourceVersion = resourceVersion;
        Json = node.ToJsonString(WireJson.Options);
        _itemJson = new Lazy<string>(() =>
        {
            var item = node.DeepClone().AsObject();
            item.Remove("apiVersion");
            item.Remove("kind");
            return item.ToJsonString(WireJson.Options);
        });
    }

    private readonly Lazy<string> _itemJson;

    public ResourceType Type { get; }

    /// <summary>The stored tree; treat as read-only (call <see cref="Clone"/> to change a copy).</summary>
    public JsonObject Node { get; }

    /// <summary>The object as get and watch send it, with apiVersion and kind.</summary>
    public string Json { get; }

    /// <summary>The object as a list's items carry it: without apiVersion and kind, as the real server writes them.</summary>
    public string ItemJson => _itemJson.Value;

    public long ResourceVersion { get; }

    public string Namespace => Metadata["namespace"]?.GetValue<string>() ?? "";

    public string Name => Metadata["name"]!.GetValue<string>();

    public string Uid => Metadata["uid"]!.GetValue<string>();

    private JsonObject Metadata => Node["metadata"]!.AsObject();

    public JsonObject Clone() => Node.DeepClone().AsObject();
}

/// <summary>
/// A change as a watch sends it: ADDED, MODIFIED or DELETED with the object as it was then, and for
/// MODIFIED the object before, so a watch with a selector can tell an object entering or leaving it.
/// </summary>
public sealed record StoreEvent(string Type, StoredObject Stored, StoredObject? Previous = null)
{
    public long ResourceVersion => Stored.ResourceVersion;

    /// <summary>
    /// The event a watch filtered by <paramref name="matches"/> sends, as the watch cache does: a
    /// MODIFIED into the selection is ADDED, out of it DELETED; null when the watch sends nothing.
    /// </summary>
    public string? TypeFor(Func<JsonObject, bool> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var now = matches(Stored.Node);
        if (Type != "MODIFIED" || Previous is null)
        {
            return now ? Type : null;
        }
        return (matches(Previous.Node), now) switch
        {
            (true, true) => "MODIFIED",
            (false, true) => "ADDED",
            (true, false) => "DELETED",
            _ => null,
        };
    }
}
