using System.Text.Json.Nodes;
using k8s.Models;
using OpsAutomation.Sandbox.Api.Apply;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// What every write goes through, from a client or from a controller: a generated name, the
/// server-side defaults, validation, the namespace being there and active, the managedFields of the
/// writer, then the store. The API handlers and the controllers share it, so both write alike.
/// </summary>
public sealed class ObjectWriter(ObjectStore store, FieldManager fieldManager, PodLogBook logs)
{
    private readonly ObjectRules _rules = new();

    public ObjectStore Store => store;

    /// <summary>Deletion with its consequences (dependents, a namespace's contents).</summary>
    public GarbageCollector Collector { get; } = new(store, logs);

    /// <summary>Stores a new object; <paramref name="recordManager"/> false when managedFields are already set (server-side apply).</summary>
    public JsonObject Create(ResourceType type, JsonObject obj, string manager, bool dryRun = false, bool recordManager = true)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        var metadata = obj["metadata"] as JsonObject ?? [];
        obj["metadata"] = metadata;
        obj["apiVersion"] = type.ApiVersion;
        obj["kind"] = type.Kind;
        if (string.IsNullOrEmpty(metadata["name"]?.GetValue<string>()))
        {
            metadata["name"] = metadata["generateName"]?.GetValue<string>() is { Length: > 0 } prefix
                ? prefix + ObjectRules.GeneratedSuffix()
                : throw ApiStatus.Invalid(type, "", [new V1StatusCause
                {
                    Reason = "FieldValueRequired",
                    Field = "metadata.name",
                    Message = "Required value: name or generateName is required",
                }]).AsException();
        }
        var name = metadata["name"]!.GetValue<string>();
        _rules.Default(type, obj);
        if (ObjectRules.Validate(type, obj, stored: null) is { Count: > 0 } causes)
        {
            throw ApiStatus.Invalid(type, name, causes).AsException();
        }
        if (type.Namespaced)
        {
            RequireActiveNamespace(metadata["namespace"]!.GetValue<string>());
        }
        if (recordManager)
        {
            fieldManager.RecordUpdate(type, null, obj, manager, null);
        }
        return store.Create(type, obj, dryRun);
    }

    /// <summary>Replaces a stored object (through <paramref name="subresource"/> status or scale, or the object itself).</summary>
    public JsonObject Replace(StoredObject stored, JsonObject obj, string manager, string? subresource = null, bool dryRun = false, bool recordManager = true)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(obj);
        var type = stored.Type;
        ObjectRules.Carry(type, stored.Node, obj, toStatus: subresource == "status");
        _rules.Default(type, obj);
        if (ObjectRules.Validate(type, obj, stored.Node) is { Count: > 0 } causes)
        {
            throw ApiStatus.Invalid(type, stored.Name, causes).AsException();
        }
        if (recordManager)
        {
            fieldManager.RecordUpdate(type, stored.Node, obj, manager, subresource);
        }
        return store.Update(type, obj, dryRun);
    }

    private void RequireActiveNamespace(string ns)
    {
        var namespaces = store.Registry.Get<V1Namespace>();
        var stored = store.Get(namespaces, "", ns) ?? throw ApiStatus.NotFound(namespaces, ns).AsException();
        if (stored.Node["status"]?["phase"]?.GetValue<string>() == "Terminating")
        {
            throw ApiStatus.Forbidden($"unable to create new content in namespace {ns} because it is being terminated",
                new V1StatusDetails { Name = ns, Kind = "namespaces", Causes = [new V1StatusCause { Reason = "NamespaceTerminating", Message = $"namespace {ns} is being terminated", Field = "metadata.namespace" }] })
                .AsException();
        }
    }
}
