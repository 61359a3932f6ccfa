using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using OpsAutomation.Sandbox.Api.Apply;
using OpsAutomation.Sandbox.Api.Patching;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// The HTTP face of the API server: authentication, discovery and OpenAPI, and the verbs of every
/// resource type over the one store (get, list, watch, create, update, patch, delete, and the status,
/// scale and log subresources). Errors leave as the Status bodies the real server writes.
/// </summary>
public sealed class ApiServer
{
    private const string Json = "application/json";
    private readonly RequestBodies _bodies = new();
    private readonly ObjectStore _store;
    private readonly Authenticator _authenticator;
    private readonly OpenApiDocuments _openApi;
    private readonly Discovery _discovery;
    private readonly PodLogBook _logs;
    private readonly TimeProvider _time;
    private readonly TimeSpan _bookmarkInterval;
    private readonly ObjectWriter _writer;
    private readonly StrategicMergePatch _strategicMerge;
    private readonly GarbageCollector _collector;
    private readonly FieldManager _fieldManager;
    private readonly TablePrinter _tables;

    public ApiServer(ObjectWriter writer, FieldManager fieldManager, Authenticator authenticator, OpenApiDocuments openApi, Discovery discovery,
        PodLogBook logs, TimeProvider time, TimeSpan bookmarkInterval)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        _fieldManager = fieldManager ?? throw new ArgumentNullException(nameof(fieldManager));
        _store = writer.Store;
        _authenticator = authenticator ?? throw new ArgumentNullException(nameof(authenticator));
        _openApi = openApi ?? throw new ArgumentNullException(nameof(openApi));
        _discovery = discovery ?? throw new ArgumentNullException(nameof(discovery));
        _logs = logs ?? throw new ArgumentNullException(nameof(logs));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _bookmarkInterval = bookmarkInterval;
        _strategicMerge = new StrategicMergePatch(openApi);
        _collector = writer.Collector;
        _tables = new TablePrinter(time);
    }

    /// <summary>Creates the namespaces every cluster has (default, kube-system, kube-public, kube-node-lease).</summary>
    public void Bootstrap()
    {
        var type = _store.Registry.Get<V1Namespace>();
        foreach (var name in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            if (_store.Get(type, "", name) is null)
            {
                var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = name } };
                _writer.Create(type, ns, "kube-apiserver");
            }
        }
    }

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await DispatchAsync(context).ConfigureAwait(false);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await WriteAsync(context, e.Code, ApiStatus.ToJson(e.Status)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            // A defect of the sandbox: answered as the real server answers a panic, and told on stderr.
            await Console.Error.WriteLineAsync($"{context.Request.Method} {context.Request.Path}: {e}").ConfigureAwait(false);
            await WriteAsync(context, 500, ApiStatus.ToJson(ApiStatus.InternalError(e.Message))).ConfigureAwait(false);
        }
    }

    /// <summary>The ?verbose answer of /livez, /readyz or /healthz: each check the real server runs that the sandbox has, then "<name> check passed".</summary>
    private static string HealthChecks(string endpoint)
    {
        string[] checks = endpoint == "readyz"
            ? ["ping", "log", "etcd", "etcd-readiness", "informer-sync", "poststarthook/generic-apiserver-start-informers", "shutdown"]
            : ["ping", "log", "etcd", "poststarthook/generic-apiserver-start-informers"];
        return string.Concat(checks.Select(c => $"[+]{c} ok\n")) + $"{endpoint} check passed\n";
    }

    private async Task DispatchAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var user = _authenticator.Authenticate(request);
        if (user is null && Authenticator.PresentsToken(request))
        {
            // A token the server does not know is 401 on every path: authentication fails before the public paths are allowed.
            throw ApiStatus.Unauthorized().AsException();
        }
        if (path is "/healthz" or "/livez" or "/readyz")
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(request.Query.ContainsKey("verbose") ? HealthChecks(path[1..]) : "ok", context.RequestAborted).ConfigureAwait(false);
            return;
        }
        if (path == "/version")
        {
            await WriteAsync(context, 200, Discovery.Version().ToJsonString(WireJson.Options)).ConfigureAwait(false);
            return;
        }
        if (user is null)
        {
            throw ApiStatus.Unauthorized().AsException();
        }
        if (await ServeDiscoveryAsync(context, path.TrimEnd('/')).ConfigureAwait(false))
        {
            return;
        }
        var target = ResourcePath.Parse(_store.Registry, path) ?? throw ApiStatus.PathNotFound().AsException();
        Authorize(user, request.Method, target);
        await (request.Method switch
        {
            "GET" => GetAsync(context, target),
            "POST" when target.Name is null => CreateAsync(context, target),
            "PUT" when target.Name is not null => UpdateAsync(context, target),
            "PATCH" when target.Name is not null => PatchAsync(context, target),
            "DELETE" when target.Name is not null => DeleteAsync(context, target),
            "DELETE" => DeleteCollectionAsync(context, target),
            _ => throw ApiStatus.MethodNotSupported(target.Type, request.Method.ToLowerInvariant()).AsException(),
        }).ConfigureAwait(false);
    }

    private async Task<bool> ServeDiscoveryAsync(HttpContext context, string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var accept = context.Request.Headers.Accept.ToString();
        JsonObject? body = segments switch
        {
            ["api"] or ["apis"] when AggregatedVersion(accept) is { } version => Aggregated(context, segments[0] == "api", version),
            ["api"] => _discovery.CoreVersions(),
            ["apis"] => _discovery.GroupList(),
            ["api", var version] => _discovery.ResourceList("", version) ?? throw ApiStatus.PathNotFound().AsException(),
            ["apis", var group] => _discovery.Group(group) ?? throw ApiStatus.PathNotFound().AsException(),
            ["apis", var group, var version] => _discovery.ResourceList(group, version) ?? throw ApiStatus.PathNotFound().AsException(),
            _ => null,
        };
        if (body is not null)
        {
            await WriteAsync(context, 200, body.ToJsonString(WireJson.Options), context.Response.ContentType).ConfigureAwait(false);
            return true;
        }
        if (segments is ["openapi", "v3"])
        {
            var paths = new JsonObject();
            foreach (var (documentPath, hash) in _openApi.Paths)
            {
                paths[documentPath] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{documentPath}?hash={hash}" };
            }
            await WriteAsync(context, 200, new JsonObject { ["paths"] = paths }.ToJsonString(WireJson.Options)).ConfigureAwait(false);
            return true;
        }
        if (segments is ["openapi", "v2"])
        {
            // An empty v2 document (kubectl 1.27 asks for it in gnostic protobuf): every kind is unknown in it,
            // so kubectl takes patch metadata from its compiled-in types and the server's field validation decides.
            var protobuf = accept.Contains("protobuf", StringComparison.Ordinal);
            await WriteAsync(context, 200, protobuf ? "" : """{"swagger":"2.0","info":{"title":"Kubernetes","version":"unversioned"},"paths":{},"definitions":{}}""",
                protobuf ? "application/com.github.proto-openapi.spec.v2.v1.0+protobuf" : Json).ConfigureAwait(false);
            return true;
        }
        if (segments is ["openapi", "v3", ..] && _openApi.Document(string.Join('/', segments[2..])) is { } document)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = Json;
            context.Response.Headers.CacheControl = "public, immutable";
            await context.Response.Body.WriteAsync(document, context.RequestAborted).ConfigureAwait(false);
            return true;
        }
        return false;
    }

    /// <summary>The aggregated discovery version the client asks for first (kubectl 1.30+ v2, 1.27-1.29 v2beta1), or null.</summary>
    private static string? AggregatedVersion(string accept)
    {
        foreach (var mediaType in accept.Split(','))
        {
            if (!mediaType.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal))
            {
                if (mediaType.Trim().StartsWith(Json, StringComparison.Ordinal))
                {
                    return null;
                }
                continue;
            }
            if (mediaType.Contains("v=v2beta1", StringComparison.Ordinal))
            {
                return "v2beta1";
            }
            if (mediaType.Contains("v=v2", StringComparison.Ordinal))
            {
                return "v2";
            }
        }
        return null;
    }

    private JsonObject Aggregated(HttpContext context, bool core, string version)
    {
        context.Response.ContentType = $"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList";
        return _discovery.Aggregated(core, version);
    }

    private static void Authorize(SandboxUser user, string method, ResourcePath target)
    {
        if (!user.ReadOnly || method is "GET" or "HEAD")
        {
            return;
        }
        var verb = method switch
        {
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            _ => target.Name is null ? "deletecollection" : "delete",
        };
        var type = target.Type;
        var subject = target.Name is null ? type.QualifiedPlural : $"{type.QualifiedPlural} \"{target.Name}\"";
        var resource = target.Subresource is null ? type.Plural : $"{type.Plural}/{target.Subresource}";
        var scope = target.Namespace is null ? "at the cluster scope" : $"in the namespace \"{target.Namespace}\"";
        throw ApiStatus.Forbidden($"{subject} is forbidden: User \"{user.Name}\" cannot {verb} resource \"{resource}\" in API group \"{type.Group}\" {scope}",
            ApiStatus.ResourceDetails(type, target.Name)).AsException();
    }

    private Task GetAsync(HttpContext context, ResourcePath target)
    {
        var query = context.Request.Query;
        if (target.Name is null)
        {
            return target.WatchPrefix || IsTrue(query["watch"]) ? WatchAsync(context, target) : ListAsync(context, target);
        }
        if (target.WatchPrefix)
        {
            return WatchAsync(context, target);
        }
        var stored = Existing(target);
        return target.Subresource switch
        {
            null or "status" when AsTable(context, target.Type, [stored.Node], stored.ResourceVersion.ToString(CultureInfo.InvariantCulture)) is { } table
                => WriteAsync(context, 200, table),
            null or "status" => WriteAsync(context, 200, stored.Json),
            "scale" when target.Type.HasScaleSubresource => WriteAsync(context, 200, Scale(stored.Node).ToJsonString(WireJson.Options)),
            "log" when target.Type.HasLogSubresource => LogAsync(context, stored),
            _ => throw ApiStatus.PathNotFound().AsException(),
        };
    }

    private async Task ListAsync(HttpContext context, ResourcePath target)
    {
        var query = context.Request.Query;
        var selectors = Selectors.Parse(target.Type, query["labelSelector"], query["fieldSelector"]);
        var (items, resourceVersion) = _store.List(target.Type, target.Namespace);
        IEnumerable<StoredObject> matching = items.Where(o => selectors.Matches(o.Node));
        if (ContinueToken.Parse(query["continue"]) is { } token)
        {
            resourceVersion = token.ResourceVersion;
            matching = matching.Where(o => string.CompareOrdinal(Key(o), token.Start) > 0);
        }
        var page = matching.ToList();
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit > 0 && page.Count > limit)
        {
            metadata["continue"] = new ContinueToken(resourceVersion, Key(page[limit - 1])).Encode();
            metadata["remainingItemCount"] = page.Count - limit;
            page = page[..limit];
        }
        if (AsTable(context, target.Type, page.Select(o => o.Node), metadata["resourceVersion"]!.ToString(), metadata["continue"]?.ToString()) is { } table)
        {
            await WriteAsync(context, 200, table).ConfigureAwait(false);
            return;
        }
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"{{\"kind\":\"{target.Type.Kind}List\",\"apiVersion\":\"{target.Type.ApiVersion}\",\"metadata\":{metadata.ToJsonString(WireJson.Options)},\"items\":[");
        body.AppendJoin(',', page.Select(o => o.ItemJson));
        body.Append("]}");
        await WriteAsync(context, 200, body.ToString()).ConfigureAwait(false);
    }

    private static string Key(StoredObject o) => $"{o.Namespace}/{o.Name}";

    /// <summary>The objects as a Table when the client asks for one and the kind has a printer; else null.</summary>
    private string? AsTable(HttpContext context, ResourceType type, IEnumerable<JsonObject> objects, string resourceVersion, string? continueToken = null) =>
        TablePrinter.Wanted(context.Request.Headers.Accept.ToString())
            ? _tables.Table(type, objects, resourceVersion, context.Request.Query["includeObject"], continueToken)?.ToJsonString(WireJson.Options)
            : null;

    private async Task WatchAsync(HttpContext context, ResourcePath target)
    {
        var query = context.Request.Query;
        var fieldSelector = target.Name is null ? query["fieldSelector"].ToString()
            : string.Join(',', new[] { $"metadata.name={target.Name}", query["fieldSelector"].ToString() }.Where(s => s.Length > 0));
        var selectors = Selectors.Parse(target.Type, query["labelSelector"], fieldSelector);
        long? from = long.TryParse(query["resourceVersion"], NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : null;
        var bookmarks = IsTrue(query["allowWatchBookmarks"]);
        var deadline = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? _time.GetUtcNow() + TimeSpan.FromSeconds(seconds) : DateTimeOffset.MaxValue;
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = Json;
        var aborted = context.RequestAborted;
        WatchSubscription subscription;
        try
        {
            subscription = _store.Watch(target.Type, target.Namespace, from);
        }
        catch (ApiException e)
        {
            // As the watch cache does: a watch that cannot start is one ERROR event in a 200 stream.
            await WriteEventAsync(response, "ERROR", ApiStatus.ToJson(e.Status), aborted).ConfigureAwait(false);
            return;
        }
        using (subscription)
        {
            await response.StartAsync(aborted).ConfigureAwait(false);
            var lastSent = from ?? _store.ResourceVersion;
            try
            {
                while (_time.GetUtcNow() < deadline)
                {
                    var wait = Min(deadline - _time.GetUtcNow(), bookmarks ? _bookmarkInterval : TimeSpan.FromMinutes(5));
                    using var timer = new CancellationTokenSource(wait, _time);
                    using var either = CancellationTokenSource.CreateLinkedTokenSource(aborted, timer.Token);
                    bool ready;
                    try
                    {
                        ready = await subscription.Changes.WaitToReadAsync(either.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                    {
                        if (bookmarks && _time.GetUtcNow() < deadline)
                        {
                            var bookmark = new JsonObject
                            {
                                ["kind"] = target.Type.Kind,
                                ["apiVersion"] = target.Type.ApiVersion,
                                ["metadata"] = new JsonObject { ["resourceVersion"] = lastSent.ToString(CultureInfo.InvariantCulture), ["creationTimestamp"] = null },
                            };
                            await WriteEventAsync(response, "BOOKMARK", bookmark.ToJsonString(WireJson.Options), aborted).ConfigureAwait(false);
                        }
                        continue;
                    }
                    if (!ready)
                    {
                        return;
                    }
                    while (subscription.Changes.TryRead(out var change))
                    {
                        lastSent = change.ResourceVersion;
                        if (change.TypeFor(selectors.Matches) is { } type)
                        {
                            var body = AsTable(context, target.Type, [change.Stored.Node], change.ResourceVersion.ToString(CultureInfo.InvariantCulture)) ?? change.Stored.Json;
                            await WriteEventAsync(response, type, body, aborted).ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                // The client went away: the watch ends with it.
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? (a < TimeSpan.Zero ? TimeSpan.Zero : a) : b;

    private static async Task WriteEventAsync(HttpResponse response, string type, string objectJson, CancellationToken cancellationToken)
    {
        var line = Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":{objectJson}}}\n");
        await response.Body.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext context, ResourcePath target)
    {
        var type = target.Type;
        var body = await _bodies.ReadObjectAsync(context, target).ConfigureAwait(false);
        var obj = RequestBodies.Decode(context, type, body);
        PlaceInNamespace(type, target, Metadata(obj));
        var created = _writer.Create(type, obj, Manager(context), IsDryRun(context));
        await WriteAsync(context, 201, created.ToJsonString(WireJson.Options)).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext context, ResourcePath target)
    {
        var type = target.Type;
        var body = await _bodies.ReadObjectAsync(context, target).ConfigureAwait(false);
        if (target.Subresource == "scale")
        {
            await WriteScaleAsync(context, target, _ => body).ConfigureAwait(false);
            return;
        }
        var obj = RequestBodies.Decode(context, type, body);
        var metadata = Metadata(obj);
        if (metadata["name"]?.GetValue<string>() is { } bodyName && bodyName != target.Name)
        {
            throw ApiStatus.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({target.Name})").AsException();
        }
        metadata["name"] = target.Name;
        PlaceInNamespace(type, target, metadata);
        var updated = Retrying(target, stored =>
        {
            var attempt = obj.DeepClone().AsObject();
            return (attempt, () => _writer.Replace(stored, attempt, Manager(context), target.Subresource, IsDryRun(context)));
        });
        await WriteAsync(context, 200, updated.ToJsonString(WireJson.Options)).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext context, ResourcePath target)
    {
        var type = target.Type;
        var contentType = context.Request.ContentType?.Split(';')[0].Trim() ?? "";
        if (contentType == "application/apply-patch+yaml" && target.Subresource is null)
        {
            await ApplyAsync(context, target).ConfigureAwait(false);
            return;
        }
        var patch = await RequestBodies.ReadJsonAsync(context).ConfigureAwait(false);
        Func<JsonObject, JsonObject> apply = contentType switch
        {
            "application/json-patch+json" => o => JsonPatch.Apply(o, patch!) as JsonObject
                ?? throw ApiStatus.BadRequest("the patch left no object").AsException(),
            "application/merge-patch+json" => o => MergePatch.Apply(o, patch) as JsonObject
                ?? throw ApiStatus.BadRequest("the patch left no object").AsException(),
            "application/strategic-merge-patch+json" when target.Subresource != "scale" => o => _strategicMerge.Apply(type, o, patch!),
            "application/strategic-merge-patch+json" => o => MergePatch.Apply(o, patch) as JsonObject
                ?? throw ApiStatus.BadRequest("the patch left no object").AsException(),
            _ => throw ApiStatus.UnsupportedMediaType(contentType, "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json").AsException(),
        };
        if (target.Subresource == "scale")
        {
            await WriteScaleAsync(context, target, apply).ConfigureAwait(false);
            return;
        }
        var updated = Retrying(target, stored =>
        {
            var obj = RequestBodies.Decode(context, type, apply(stored.Clone()));
            var metadata = Metadata(obj);
            metadata["name"] = target.Name;
            PlaceInNamespace(type, target, metadata);
            return (obj, () => _writer.Replace(stored, obj, Manager(context), target.Subresource, IsDryRun(context)));
        });
        await WriteAsync(context, 200, updated.ToJsonString(WireJson.Options)).ConfigureAwait(false);
    }

    /// <summary>
    /// A read-change-write against the latest object, as the server's GuaranteedUpdate: when another
    /// writer (a controller) got in between, it is done again on the newer object, unless the request
    /// itself named a resourceVersion (then the 409 is the client's to see).
    /// </summary>
    private JsonObject Retrying(ResourcePath target, Func<StoredObject, (JsonObject Changed, Func<JsonObject> Write)> attempt)
    {
        for (var tries = 1; ; tries++)
        {
            var stored = Existing(target);
            var (changed, write) = attempt(stored);
            var conditional = changed["metadata"]?["resourceVersion"]?.ToString() is { Length: > 0 } rv
                && rv != stored.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            try
            {
                return write();
            }
            catch (ApiException e) when (e.Code == 409 && e.Status.Reason == "Conflict" && e.Status.Details?.Causes is null && !conditional && tries < 10)
            {
                // Written meanwhile by someone else: read the newer object and do it again.
            }
        }
    }

    /// <summary>
    /// Server-side apply (application/apply-patch+yaml, sent as JSON): creates the object or merges the
    /// manager's configuration into it, with managedFields, ?fieldManager= (required) and ?force=.
    /// </summary>
    private async Task ApplyAsync(HttpContext context, ResourcePath target)
    {
        var type = target.Type;
        var query = context.Request.Query;
        var manager = query["fieldManager"].ToString();
        if (manager.Length == 0)
        {
            throw ApiStatus.Invalid("PatchOptions.meta.k8s.io", "",
                [new V1StatusCause { Reason = "FieldValueRequired", Field = "fieldManager", Message = "Required value: is required for apply patch" }]).AsException();
        }
        var body = await RequestBodies.ReadJsonAsync(context).ConfigureAwait(false) as JsonObject
            ?? throw ApiStatus.BadRequest("error decoding YAML: the body of an apply is one object").AsException();
        var applied = RequestBodies.Decode(context, type, body, unknown =>
            $"failed to create typed patch object ({GoGroupVersionKind(type)}): {string.Join(", ", unknown.Select(f => $".{f}: field not declared in schema"))}");
        var metadata = Metadata(applied);
        if (metadata["name"]?.GetValue<string>() is { } bodyName && bodyName != target.Name)
        {
            throw ApiStatus.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({target.Name})").AsException();
        }
        metadata["name"] = target.Name;
        PlaceInNamespace(type, target, metadata);
        var force = IsTrue(query["force"]);
        JsonObject Merge(StoredObject? stored)
        {
            var merged = _fieldManager.Apply(type, stored?.Clone(), applied, manager, force);
            merged["apiVersion"] = type.ApiVersion;
            merged["kind"] = type.Kind;
            return merged;
        }
        if (_store.Get(type, target.Namespace ?? "", target.Name!) is not null)
        {
            var updated = Retrying(target, stored =>
            {
                var merged = Merge(stored);
                var current = stored.Clone();
                current["apiVersion"] = type.ApiVersion;
                current["kind"] = type.Kind;
                // A no-op apply writes nothing: no new resourceVersion, no watch event.
                return JsonNode.DeepEquals(merged, current)
                    ? (merged, () => current)
                    : (merged, () => _writer.Replace(stored, merged, manager, null, IsDryRun(context), recordManager: false));
            });
            await WriteAsync(context, 200, updated.ToJsonString(WireJson.Options)).ConfigureAwait(false);
            return;
        }
        var created = _writer.Create(type, Merge(null), manager, IsDryRun(context), recordManager: false);
        await WriteAsync(context, 201, created.ToJsonString(WireJson.Options)).ConfigureAwait(false);
    }

    /// <summary>apps/v1, Kind=Deployment or /v1, Kind=Pod: how Go prints a GroupVersionKind.</summary>
    private static string GoGroupVersionKind(ResourceType type) => $"{type.Group}/{type.Version}, Kind={type.Kind}";

    private static string Manager(HttpContext context) =>
        context.Request.Query["fieldManager"].ToString() is { Length: > 0 } manager ? manager : FieldManager.DefaultManager(context.Request.Headers.UserAgent);

    /// <summary>/scale: the object's spec.replicas seen and changed as an autoscaling/v1 Scale.</summary>
    private async Task WriteScaleAsync(HttpContext context, ResourcePath target, Func<JsonObject, JsonObject> change)
    {
        if (!target.Type.HasScaleSubresource)
        {
            throw ApiStatus.PathNotFound().AsException();
        }
        var updated = Retrying(target, stored =>
        {
            var scale = change(Scale(stored.Node));
            var obj = stored.Clone();
            obj["metadata"]!["resourceVersion"] = scale["metadata"]?["resourceVersion"]?.DeepClone();
            obj["spec"]!["replicas"] = scale["spec"]?["replicas"]?.DeepClone() ?? 0;
            return (obj, () => _writer.Replace(stored, obj, Manager(context), "scale", IsDryRun(context)));
        });
        await WriteAsync(context, 200, Scale(updated).ToJsonString(WireJson.Options)).ConfigureAwait(false);
    }

    private static JsonObject Scale(JsonObject obj)
    {
        var metadata = obj["metadata"]!;
        var selector = obj["spec"]?["selector"]?["matchLabels"] as JsonObject ?? [];
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = metadata["name"]?.DeepClone(),
                ["namespace"] = metadata["namespace"]?.DeepClone(),
                ["uid"] = metadata["uid"]?.DeepClone(),
                ["resourceVersion"] = metadata["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = metadata["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = obj["spec"]?["replicas"]?.DeepClone() ?? 0 },
            ["status"] = new JsonObject
            {
                ["replicas"] = obj["status"]?["replicas"]?.DeepClone() ?? 0,
                ["selector"] = string.Join(',', selector.Select(p => $"{p.Key}={p.Value}")),
            },
        };
    }

    private async Task DeleteAsync(HttpContext context, ResourcePath target)
    {
        var type = target.Type;
        var options = await RequestBodies.ReadDeleteOptionsAsync(context).ConfigureAwait(false);
        var stored = Existing(target);
        CheckPreconditions(type, stored, options);
        var dryRun = IsDryRun(context) || options?.DryRun?.Contains("All") == true;
        var policy = context.Request.Query["propagationPolicy"].ToString() is { Length: > 0 } p ? p : options?.PropagationPolicy ?? "Background";
        if (type.Kind == "Namespace")
        {
            var terminating = _collector.DeleteNamespace(stored, _time.GetUtcNow(), dryRun);
            await WriteAsync(context, 200, terminating.ToJsonString(WireJson.Options)).ConfigureAwait(false);
            return;
        }
        var deleted = _collector.Delete(stored, policy, dryRun);
        var body = type.DeleteReturnsObject ? deleted.ToJsonString(WireJson.Options) : ApiStatus.ToJson(ApiStatus.Deleted(type, stored.Name, stored.Uid));
        await WriteAsync(context, 200, body).ConfigureAwait(false);
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourcePath target)
    {
        var query = context.Request.Query;
        var selectors = Selectors.Parse(target.Type, query["labelSelector"], query["fieldSelector"]);
        var dryRun = IsDryRun(context);
        var (items, resourceVersion) = _store.List(target.Type, target.Namespace);
        var deleted = new List<string>();
        foreach (var item in items.Where(o => selectors.Matches(o.Node)))
        {
            deleted.Add(_collector.Delete(item, "Background", dryRun).ToJsonString(WireJson.Options));
        }
        await WriteAsync(context, 200,
            $"{{\"kind\":\"{target.Type.Kind}List\",\"apiVersion\":\"{target.Type.ApiVersion}\",\"metadata\":{{\"resourceVersion\":\"{resourceVersion}\"}},\"items\":[{string.Join(',', deleted)}]}}")
            .ConfigureAwait(false);
    }

    private static void CheckPreconditions(ResourceType type, StoredObject stored, V1DeleteOptions? options)
    {
        if (options?.Preconditions?.Uid is { } uid && uid != stored.Uid)
        {
            throw ApiStatus.Conflict(type, stored.Name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {stored.Uid}").AsException();
        }
        var current = stored.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        if (options?.Preconditions?.ResourceVersion is { } rv && rv != current)
        {
            throw ApiStatus.Conflict(type, stored.Name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {current}").AsException();
        }
    }

    private async Task LogAsync(HttpContext context, StoredObject pod)
    {
        var query = context.Request.Query;
        var containers = (pod.Node["spec"]?["containers"] as JsonArray ?? []).Select(c => c?["name"]?.GetValue<string>() ?? "").ToList();
        var container = query["container"].ToString();
        if (container.Length == 0)
        {
            container = containers.Count == 1 ? containers[0]
                : throw ApiStatus.BadRequest($"a container name must be specified for pod {pod.Name}, choose one of: [{string.Join(' ', containers)}]").AsException();
        }
        else if (!containers.Contains(container))
        {
            throw ApiStatus.BadRequest($"container {container} is not valid for pod {pod.Name}").AsException();
        }
        var previous = IsTrue(query["previous"]);
        var lines = _logs.Read(pod.Namespace, pod.Name, container, previous)
            ?? throw ApiStatus.BadRequest($"previous terminated container \"{container}\" in pod \"{pod.Name}\" not found").AsException();
        if (int.TryParse(query["tailLines"], NumberStyles.None, CultureInfo.InvariantCulture, out var tail) && tail < lines.Count)
        {
            lines = [.. lines.Skip(lines.Count - tail)];
        }
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync(string.Concat(lines.Select(l => l + "\n")), context.RequestAborted).ConfigureAwait(false);
    }

    private StoredObject Existing(ResourcePath target) =>
        _store.Get(target.Type, target.Namespace ?? "", target.Name!) ?? throw ApiStatus.NotFound(target.Type, target.Name!).AsException();

    private static void PlaceInNamespace(ResourceType type, ResourcePath target, JsonObject metadata)
    {
        if (!type.Namespaced)
        {
            metadata.Remove("namespace");
            return;
        }
        if (metadata["namespace"]?.GetValue<string>() is { Length: > 0 } given && given != target.Namespace)
        {
            throw ApiStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request").AsException();
        }
        metadata["namespace"] = target.Namespace;
    }

    private static JsonObject Metadata(JsonObject obj) => obj["metadata"]!.AsObject();

    private static bool IsDryRun(HttpContext context)
    {
        var dryRun = context.Request.Query["dryRun"];
        if (dryRun.Count == 0)
        {
            return false;
        }
        return dryRun.All(v => v == "All")
            ? true
            : throw ApiStatus.BadRequest($"Invalid value: \"{dryRun}\": supported values: \"All\"").AsException();
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) =>
        value.ToString() is "true" or "1" or "True";

    private static async Task WriteAsync(HttpContext context, int code, string json, string? contentType = null)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = contentType ?? Json;
        await context.Response.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }
}
