using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>
/// Applies manifests with server-side apply, any kind the server's discovery knows: first a plan
/// (every kind resolved, every namespace checked, dependency order) so that bad input fails before
/// anything changes, then each object in turn, confirmed first, reported Created, Configured or
/// Unchanged by comparing the object before and after. A failure stops the run and says which
/// objects were applied and which were not.
/// </summary>
public sealed class ManifestApplier
{
    private readonly IKubernetes _client;
    private readonly TimeProvider _time;

    public ManifestApplier(IKubernetes client, TimeProvider? time = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>An applier for <paramref name="target"/>'s cluster, through the shared client cache (the cmdlets never name KubernetesClient's types).</summary>
    public static ManifestApplier For(KubernetesClients clients, KubernetesTarget target, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(clients);
        return new ManifestApplier(clients.Get(target), time);
    }

    /// <summary>
    /// Resolves each manifest's kind through discovery (an unknown one is a <see cref="ManifestException"/> naming
    /// file, line and kind), places namespaced objects in their namespace, refuses an object written twice,
    /// checks that every namespace exists or is created by the set, and sorts the objects into apply order.
    /// </summary>
    public async Task<ManifestPlan> PlanAsync(IReadOnlyList<Manifest> manifests, ManifestApplyOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var api = new DynamicObjects(_client, options.RequestTimeout);
        var discovery = new Dictionary<string, Dictionary<string, ApiResource>?>(StringComparer.Ordinal);
        var planned = new List<PlannedObject>();
        var seen = new Dictionary<string, Manifest>(StringComparer.Ordinal);
        foreach (var manifest in manifests)
        {
            ApiResource resource;
            try
            {
                resource = await ResolveAsync(api, discovery, manifest, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApplyException ex)
            {
                throw ex.In(null, [], manifests);
            }
            var ns = PlaceInNamespace(manifest, resource, options);
            var key = $"{resource.Group}/{resource.Kind}/{ns}/{manifest.Name}";
            if (seen.TryGetValue(key, out var first))
                throw new ManifestException(ManifestProblem.Invalid, $"the {manifest.Kind} {manifest.Name} is written twice: first at {first.Source}", manifest.Source);
            seen[key] = manifest;
            planned.Add(new PlannedObject(manifest, resource, ns));
        }
        var ordered = planned.Select((p, i) => (p, i)).OrderBy(x => ApplyOrder.Rank(x.p.Resource.Kind, x.p.Resource.Namespaced)).ThenBy(x => x.i)
            .Select(x => x.p).ToList();
        await CheckNamespacesAsync(api, ordered, cancellationToken).ConfigureAwait(false);
        return new ManifestPlan(ordered);
    }

    /// <summary>
    /// Applies the plan's objects in order, each result as it is done. With <see cref="ManifestApplyOptions.Preview"/>
    /// each object is dry-run first and its diff handed to the confirmation; an object not confirmed is reported as a dry run.
    /// A failure is a <see cref="KubernetesApplyException"/> that lists what was applied and what was not.
    /// </summary>
    public async IAsyncEnumerable<ManifestApplyResult> ApplyAsync(ManifestPlan plan, ManifestApplyOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var api = new DynamicObjects(_client, options.RequestTimeout);
        // Namespaces of the set that a dry run did not create: objects in them are previewed from the manifest alone.
        var absentNamespaces = new HashSet<string>(StringComparer.Ordinal);
        var applied = new List<ManifestApplyResult>();
        for (var i = 0; i < plan.Objects.Count; i++)
        {
            var item = plan.Objects[i];
            ManifestApplyResult result;
            try
            {
                result = await ApplyOneAsync(api, item, options, absentNamespaces, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApplyException ex)
            {
                throw ex.In(item.Manifest, [.. applied], [.. plan.Objects.Skip(i).Select(o => o.Manifest)]);
            }
            applied.Add(result);
            yield return result;
        }
    }

    private async Task<ManifestApplyResult> ApplyOneAsync(DynamicObjects api, PlannedObject item, ManifestApplyOptions options,
        HashSet<string> absentNamespaces, CancellationToken cancellationToken)
    {
        var (manifest, resource, ns) = (item.Manifest, item.Resource, item.Namespace);
        var live = ns is not null && absentNamespaces.Contains(ns) ? null
            : await api.GetAsync(resource, ns, manifest.Name, cancellationToken).ConfigureAwait(false);
        // In a namespace the set creates but has not (a dry run), the server cannot dry-run the object: the manifest stands for it.
        Task<JsonObject> DryRunAsync() => ns is not null && absentNamespaces.Contains(ns)
            ? Task.FromResult(manifest.Body)
            : api.ApplyAsync(resource, ns, manifest.Name, manifest.Body, options.FieldManager, options.Force, dryRun: true, cancellationToken);
        JsonObject? dryRun = null;
        string? diff = null;
        if (options.Preview)
        {
            dryRun = await DryRunAsync().ConfigureAwait(false);
            diff = ManifestDiff.Render(live, dryRun, manifest.IsSecret, Title(manifest, ns));
        }
        var change = live is null ? "create" : diff switch { null => "update when changed", "" => "unchanged", _ => "update" };
        var action = $"Server-side apply ({change}) as field manager {options.FieldManager}{(options.Force ? ", forcing conflicts" : "")}";
        var confirmed = options.Confirm is null
            || await options.Confirm(new PlannedChange(manifest.ToString(), action, diff), cancellationToken).ConfigureAwait(false);
        if (!confirmed)
        {
            dryRun ??= await DryRunAsync().ConfigureAwait(false);
            diff ??= ManifestDiff.Render(live, dryRun, manifest.IsSecret, Title(manifest, ns));
            if (resource.Kind == "Namespace" && resource.Group.Length == 0 && live is null) absentNamespaces.Add(manifest.Name);
            return Result(item, Outcome(live, dryRun), dryRun, diff, options, isDryRun: true);
        }
        var after = await api.ApplyAsync(resource, ns, manifest.Name, manifest.Body, options.FieldManager, options.Force, dryRun: false, cancellationToken).ConfigureAwait(false);
        return Result(item, Outcome(live, after), after, diff, options, isDryRun: false);
    }

    private ManifestApplyResult Result(PlannedObject item, ManifestApplyOutcome outcome, JsonObject state, string? diff, ManifestApplyOptions options, bool isDryRun) => new()
    {
        Kind = item.Manifest.Kind,
        ApiVersion = item.Manifest.ApiVersion,
        Namespace = item.Namespace,
        Name = item.Manifest.Name,
        Outcome = outcome,
        DryRun = isDryRun,
        Generation = state["metadata"]?["generation"] is JsonValue g && g.TryGetValue<long>(out var generation) ? generation : null,
        ResourceVersion = ResourceVersion(state),
        Diff = diff,
        Source = item.Manifest.Source.ToString(),
        FieldManager = options.FieldManager,
        Timestamp = _time.GetUtcNow(),
    };

    /// <summary>
    /// Created when there was no object; else Unchanged when the object before and after are the same but for what the
    /// server keeps for itself (resourceVersion, managedFields and their times, status): a controller's status write
    /// between the read and the apply does not make an unchanged object look configured.
    /// </summary>
    private static ManifestApplyOutcome Outcome(JsonObject? before, JsonObject after) =>
        before is null ? ManifestApplyOutcome.Created
        : ManifestDiff.SameContent(before, after) ? ManifestApplyOutcome.Unchanged
        : ManifestApplyOutcome.Configured;

    private static string? ResourceVersion(JsonObject obj) =>
        obj["metadata"]?["resourceVersion"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string Title(Manifest manifest, string? ns) => $"{manifest.ApiVersion} {manifest.Kind} {(ns is null ? "" : ns + "/")}{manifest.Name}";

    private static async Task<ApiResource> ResolveAsync(DynamicObjects api, Dictionary<string, Dictionary<string, ApiResource>?> discovery, Manifest manifest,
        CancellationToken cancellationToken)
    {
        var slash = manifest.ApiVersion.IndexOf('/', StringComparison.Ordinal);
        var (group, version) = slash < 0 ? ("", manifest.ApiVersion) : (manifest.ApiVersion[..slash], manifest.ApiVersion[(slash + 1)..]);
        if (!discovery.TryGetValue(manifest.ApiVersion, out var kinds))
        {
            kinds = Kinds(group, version, await api.DiscoverAsync(group, version, cancellationToken).ConfigureAwait(false));
            discovery[manifest.ApiVersion] = kinds;
        }
        if (kinds is null)
            throw new ManifestException(ManifestProblem.KindUnknown, $"unknown kind {manifest.Kind}: the server serves no apiVersion {manifest.ApiVersion}", manifest.Source);
        return kinds.TryGetValue(manifest.Kind, out var resource) ? resource
            : throw new ManifestException(ManifestProblem.KindUnknown,
                $"unknown kind {manifest.Kind}: the server's {manifest.ApiVersion} has {string.Join(", ", kinds.Keys.Order(StringComparer.Ordinal))}", manifest.Source);
    }

    private static Dictionary<string, ApiResource>? Kinds(string group, string version, JsonObject? list)
    {
        if (list?["resources"] is not JsonArray resources) return null;
        var kinds = new Dictionary<string, ApiResource>(StringComparer.Ordinal);
        foreach (var entry in resources.OfType<JsonObject>())
        {
            var name = (string?)entry["name"];
            var kind = (string?)entry["kind"];
            // Subresources (deployments/scale) share the list; only the resources themselves take objects.
            if (name is null || kind is null || name.Contains('/', StringComparison.Ordinal)) continue;
            kinds.TryAdd(kind, new ApiResource(group, version, name, kind, entry["namespaced"] is JsonValue n && n.TryGetValue<bool>(out var namespaced) && namespaced));
        }
        return kinds;
    }

    private static string? PlaceInNamespace(Manifest manifest, ApiResource resource, ManifestApplyOptions options)
    {
        var given = options.Namespace;
        var metadata = (JsonObject)manifest.Body["metadata"]!;
        if (!resource.Namespaced)
        {
            // A namespace on a cluster-scoped object means nothing; the server would drop it.
            metadata.Remove("namespace");
            return null;
        }
        if (given is not null && manifest.Namespace is not null && manifest.Namespace != given)
            throw new ManifestException(ManifestProblem.Invalid,
                $"the {manifest.Kind} {manifest.Name} is in namespace {manifest.Namespace}, not in {given} given with -Namespace", manifest.Source);
        var ns = manifest.Namespace ?? given ?? options.DefaultNamespace;
        metadata["namespace"] = ns;
        return ns;
    }

    /// <summary>Every namespace the objects go to exists or is created by the set; else nothing is applied.</summary>
    private static async Task CheckNamespacesAsync(DynamicObjects api, List<PlannedObject> objects, CancellationToken cancellationToken)
    {
        var created = objects.Where(o => o.Resource.Kind == "Namespace" && o.Resource.Group.Length == 0).Select(o => o.Manifest.Name).ToHashSet(StringComparer.Ordinal);
        var namespaces = new ApiResource("", "v1", "namespaces", "Namespace", Namespaced: false);
        foreach (var group in objects.Where(o => o.Namespace is not null && !created.Contains(o.Namespace)).GroupBy(o => o.Namespace!))
        {
            JsonObject? found;
            try
            {
                found = await api.GetAsync(namespaces, null, group.Key, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApplyException ex) when (ex.Failure == KubernetesApplyFailure.Forbidden)
            {
                // Credentials that may not read namespaces may still apply into one: the apply itself will tell.
                continue;
            }
            catch (KubernetesApplyException ex)
            {
                throw ex.In(null, [], [.. objects.Select(o => o.Manifest)]);
            }
            if (found is null)
            {
                throw new KubernetesApplyException(KubernetesApplyFailure.NamespaceNotFound,
                    $"the namespace {group.Key} does not exist (needed by {string.Join(", ", group)}): create it first, or add a Namespace manifest")
                    .In(null, [], [.. objects.Select(o => o.Manifest)]);
            }
        }
    }
}
