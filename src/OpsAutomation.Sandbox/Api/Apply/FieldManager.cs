using System.Text.Json.Nodes;
using k8s.Models;

namespace OpsAutomation.Sandbox.Api.Apply;

/// <summary>
/// metadata.managedFields as the real server keeps them: server-side apply (a manager's applied
/// configuration merged in, the fields it applied before and no longer applies removed, 409
/// conflicts with other managers unless forced) and the Update entries every other write records.
/// </summary>
public sealed class FieldManager(OpenApiDocuments openApi, TimeProvider time)
{
    private const string ApplyOperation = "Apply";
    private const string UpdateOperation = "Update";

    /// <summary>The object after <paramref name="manager"/> applies <paramref name="applied"/> to <paramref name="live"/> (null: a new object).</summary>
    public JsonObject Apply(ResourceType type, JsonObject? live, JsonObject applied, string manager, bool force)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(applied);
        var schema = openApi.SchemaOf(type);
        var entries = Read(live);
        var appliedSet = FieldSet.Of(applied, schema, openApi);
        var liveSet = live is null ? FieldSet.Empty : FieldSet.Of(live, schema, openApi);
        bool Own(Entry e) => e.Manager == manager && e.Operation == ApplyOperation && e.Subresource is null;

        var conflicts = new List<(Entry Entry, string Path)>();
        foreach (var entry in entries.Where(e => !Own(e)))
        {
            conflicts.AddRange(appliedSet.Paths
                .Where(p => entry.Fields.Contains(p) && liveSet.Contains(p) && !p.EndsWith('.')
                    && !JsonNode.DeepEquals(liveSet.ValueAt(p), appliedSet.ValueAt(p)))
                .Select(p => (entry, p)));
        }
        if (conflicts.Count > 0 && !force)
        {
            throw Conflict(conflicts).AsException();
        }
        for (var i = 0; i < entries.Count; i++)
        {
            var lost = conflicts.Where(c => c.Entry == entries[i]).Select(c => c.Path).ToList();
            if (lost.Count > 0)
            {
                entries[i] = entries[i] with { Fields = entries[i].Fields.Without(lost) };
            }
        }

        var previous = entries.FirstOrDefault(Own)?.Fields ?? FieldSet.Empty;
        var ownedByOthers = entries.Where(e => !Own(e)).SelectMany(e => e.Fields.Paths).ToHashSet(StringComparer.Ordinal);
        var result = live?.DeepClone().AsObject() ?? new JsonObject { ["metadata"] = new JsonObject() };
        foreach (var path in previous.Paths.Where(p => !appliedSet.Contains(p) && !ownedByOthers.Contains(p)).OrderByDescending(p => p.Length))
        {
            Remove(result, schema, path.Split(FieldSet.Separator));
        }
        Merge(result, applied, schema);
        // An apply that changes nothing and owns what it owned is no write at all, as on the real server:
        // the object, its managedFields (their times included) and its resourceVersion stay as they are.
        if (live is not null && conflicts.Count == 0 && entries.FirstOrDefault(Own) is { } own
            && own.Fields.Paths.ToHashSet(StringComparer.Ordinal).SetEquals(appliedSet.Paths) && SameButManagedFields(result, live))
        {
            return live.DeepClone().AsObject();
        }
        entries.RemoveAll(Own);
        entries.Add(new Entry(manager, ApplyOperation, null, type.ApiVersion, Now(), appliedSet));
        Write(result, entries);
        return result;
    }

    /// <summary>
    /// Records a create, update or patch by <paramref name="manager"/>: the fields it changed become its
    /// own (as an Update entry) and leave every other entry; fields it removed leave everyone.
    /// </summary>
    public void RecordUpdate(ResourceType type, JsonObject? before, JsonObject after, string manager, string? subresource)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(after);
        var schema = openApi.SchemaOf(type);
        var statusOnly = subresource == "status";
        var entries = Read(before);
        var oldSet = before is null ? FieldSet.Empty : FieldSet.Of(before, schema, openApi, statusOnly);
        var newSet = FieldSet.Of(after, schema, openApi, statusOnly);
        var changed = newSet.Paths.Where(p => !oldSet.Contains(p) || !JsonNode.DeepEquals(oldSet.ValueAt(p), newSet.ValueAt(p))).ToList();
        var removed = oldSet.Paths.Where(p => !newSet.Contains(p)).ToList();
        if (changed.Count > 0 || removed.Count > 0)
        {
            var touched = changed.Concat(removed).ToList();
            for (var i = 0; i < entries.Count; i++)
            {
                entries[i] = entries[i] with { Fields = entries[i].Fields.Without(touched) };
            }
            var index = entries.FindIndex(e => e.Manager == manager && e.Operation == UpdateOperation && e.Subresource == subresource);
            var gained = newSet.Without(newSet.Paths.Except(changed, StringComparer.Ordinal).ToList());
            var own = index >= 0 ? entries[index].Fields.With(gained) : gained;
            var entry = new Entry(manager, UpdateOperation, subresource, type.ApiVersion, Now(), own);
            if (index >= 0)
            {
                entries[index] = entry;
            }
            else
            {
                entries.Add(entry);
            }
        }
        Write(after, entries);
    }

    /// <summary>The manager of a write that names none: the client's user agent up to its first '/', as the server takes it.</summary>
    public static string DefaultManager(string? userAgent) =>
        string.IsNullOrEmpty(userAgent) ? "unknown" : userAgent.Split('/')[0];

    private string Now() => ObjectStore.Timestamp(time.GetUtcNow());

    private static bool SameButManagedFields(JsonObject a, JsonObject b)
    {
        var left = a.DeepClone().AsObject();
        var right = b.DeepClone().AsObject();
        foreach (var node in new[] { left, right })
        {
            (node["metadata"] as JsonObject)?.Remove("managedFields");
            node.Remove("apiVersion");
            node.Remove("kind");
        }
        return JsonNode.DeepEquals(left, right);
    }

    private static V1Status Conflict(List<(Entry Entry, string Path)> conflicts)
    {
        var causes = conflicts.Select(c => new V1StatusCause
        {
            Reason = "FieldManagerConflict",
            Message = $"conflict with {c.Entry.Printed}",
            Field = FieldSet.Display(c.Path),
        }).ToList();
        string message;
        if (conflicts.Count == 1)
        {
            message = $"Apply failed with 1 conflict: conflict with {conflicts[0].Entry.Printed}: {FieldSet.Display(conflicts[0].Path)}";
        }
        else
        {
            var lines = conflicts.GroupBy(c => c.Entry.Printed).OrderBy(g => g.Key, StringComparer.Ordinal)
                .SelectMany(g => new[] { $"conflicts with {g.Key}:" }.Concat(g.Select(c => $"- {FieldSet.Display(c.Path)}")));
            message = $"Apply failed with {conflicts.Count} conflicts: {string.Join('\n', lines)}";
        }
        return ApiStatus.ApplyConflict(message, causes);
    }

    private static List<Entry> Read(JsonObject? obj) =>
        [.. (obj?["metadata"]?["managedFields"] as JsonArray ?? []).OfType<JsonObject>().Select(e => new Entry(
            e["manager"]?.GetValue<string>() ?? "",
            e["operation"]?.GetValue<string>() ?? UpdateOperation,
            e["subresource"]?.GetValue<string>(),
            e["apiVersion"]?.GetValue<string>() ?? "",
            e["time"]?.GetValue<string>(),
            FieldSet.FromFieldsV1(e["fieldsV1"])))];

    private static void Write(JsonObject obj, List<Entry> entries)
    {
        var metadata = obj["metadata"] as JsonObject ?? [];
        obj["metadata"] = metadata;
        var kept = entries.Where(e => e.Fields.Count > 0).Select(e =>
        {
            var json = new JsonObject { ["manager"] = e.Manager, ["operation"] = e.Operation, ["apiVersion"] = e.ApiVersion, ["time"] = e.Time, ["fieldsType"] = "FieldsV1", ["fieldsV1"] = e.Fields.ToFieldsV1() };
            if (e.Subresource is not null)
            {
                json["subresource"] = e.Subresource;
            }
            return (JsonNode)json;
        }).ToList();
        if (kept.Count == 0)
        {
            metadata.Remove("managedFields");
        }
        else
        {
            metadata["managedFields"] = new JsonArray([.. kept]);
        }
    }

    private void Merge(JsonObject target, JsonObject applied, JsonObject? schema)
    {
        foreach (var (key, value) in applied)
        {
            var property = schema?["properties"]?[key] ?? schema?["additionalProperties"];
            if (value is JsonObject appliedChild && target[key] is JsonObject targetChild)
            {
                Merge(targetChild, appliedChild, openApi.Resolve(property));
            }
            else if (value is JsonArray appliedList && target[key] is JsonArray targetList
                && ListShape.Of(property, openApi) is { Kind: not ListKind.Atomic } shape)
            {
                foreach (var item in appliedList)
                {
                    var key2 = shape.ElementKey(item);
                    var match = targetList.FirstOrDefault(t => shape.ElementKey(t) == key2);
                    if (match is JsonObject matchObject && item is JsonObject itemObject)
                    {
                        Merge(matchObject, itemObject, shape.ItemSchema);
                    }
                    else if (match is null)
                    {
                        targetList.Add(item?.DeepClone());
                    }
                }
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    /// <summary>Removes the field (or list element, for a path ending in ".") a path names, where it still exists.</summary>
    private void Remove(JsonObject root, JsonObject? schema, string[] path)
    {
        if (path[^1] == ".")
        {
            path = path[..^1];
        }
        JsonNode? node = root;
        JsonNode? property = null;
        for (var i = 0; i < path.Length; i++)
        {
            var element = path[i];
            var last = i == path.Length - 1;
            if (element.StartsWith("f:", StringComparison.Ordinal) && node is JsonObject obj)
            {
                var name = element[2..];
                if (last)
                {
                    obj.Remove(name);
                    if (obj.Count == 0 && schema?["additionalProperties"] is not null && obj.Parent is JsonObject parent)
                    {
                        // A map left empty goes, as Go's omitempty leaves it out of what the server stores.
                        parent.Remove(path[i - 1][2..]);
                    }
                    return;
                }
                property = schema?["properties"]?[name] ?? schema?["additionalProperties"];
                schema = openApi.Resolve(property);
                node = obj[name];
            }
            else if (element.Length > 2 && element[1] == ':' && node is JsonArray list)
            {
                var shape = ListShape.Of(property, openApi);
                var item = list.FirstOrDefault(t => shape.ElementKey(t) == element);
                if (item is null)
                {
                    return;
                }
                if (last)
                {
                    list.Remove(item);
                    return;
                }
                schema = shape.ItemSchema;
                property = null;
                node = item;
            }
            else
            {
                return;
            }
        }
    }

    private sealed record Entry(string Manager, string Operation, string? Subresource, string ApiVersion, string? Time, FieldSet Fields)
    {
        /// <summary>The manager as the server names it in a conflict: "name" for an applier, "name" using apps/v1 for an updater.</summary>
        public string Printed
        {
            get
            {
                var name = $"\"{Manager}\"" + (Subresource is null ? "" : $" with subresource \"{Subresource}\"");
                return Operation == UpdateOperation ? $"{name} using {ApiVersion}" : name;
            }
        }
    }
}
