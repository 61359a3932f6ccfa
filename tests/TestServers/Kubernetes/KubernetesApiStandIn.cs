using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;

namespace OpsAutomation.TestServers;

/// <summary>
/// The Kubernetes API server, for what health checks read: /livez, /readyz, /healthz, /version, and
/// GET (list or one) of deployments, statefulsets, daemonsets and pods, namespaced or across all
/// namespaces, with ?labelSelector=. Bodies are KubernetesClient's own models through its serializer.
/// Like a real server with anonymous auth on, the health and version paths answer a request that
/// carries no token; a wrong token gets 401 everywhere.
/// </summary>
public sealed class KubernetesApiStandIn : StandIn
{
    private static readonly string[] LivezChecks =
    [
        "ping", "log", "etcd", "poststarthook/start-apiserver-admission-initializer", "poststarthook/generic-apiserver-start-informers",
        "poststarthook/priority-and-fairness-config-consumer", "poststarthook/start-apiextensions-informers", "poststarthook/crd-informer-synced",
        "poststarthook/bootstrap-controller", "poststarthook/rbac/bootstrap-roles", "poststarthook/apiservice-registration-controller",
    ];

    private static readonly string[] ReadyzOnlyChecks = ["etcd-readiness", "informer-sync", "shutdown"];

    private readonly Lock _gate = new();
    private readonly List<IKubernetesObject<V1ObjectMeta>> _objects = [];
    private long _resourceVersion = 1000;
    private volatile IReadOnlyList<string> _failingChecks = [];

    private KubernetesApiStandIn()
    {
    }

    /// <summary>The token a request must carry as "Authorization: Bearer &lt;token&gt;"; null lets every request in.</summary>
    public string? RequiredBearerToken
    {
        get => ApiKey;
        set => ApiKey = value;
    }

    /// <summary>Health checks that fail, e.g. ["etcd"]: /livez and /readyz (and /healthz) then answer 500 listing them.</summary>
    public IReadOnlyList<string> FailingChecks
    {
        get => _failingChecks;
        set => _failingChecks = [.. value ?? throw new ArgumentNullException(nameof(value))];
    }

    public string GitVersion { get; init; } = "v1.31.0";

    public static async Task<KubernetesApiStandIn> StartAsync(int port = 0)
    {
        var standIn = new KubernetesApiStandIn();
        await standIn.ListenAsync(port).ConfigureAwait(false);
        return standIn;
    }

    /// <summary>Adds (or replaces, by namespace and name) a deployment; ready, available and updated default to <paramref name="replicas"/>.</summary>
    public V1Deployment AddDeployment(string ns, string name, IDictionary<string, string>? labels = null, int replicas = 1,
        int? readyReplicas = null, int? availableReplicas = null, int? updatedReplicas = null, long generation = 1,
        long? observedGeneration = null, bool progressDeadlineExceeded = false)
    {
        var metadata = Metadata(ns, name, labels, generation);
        return Store(KubernetesObjects.Deployment(metadata, replicas, readyReplicas ?? replicas, availableReplicas ?? replicas,
            updatedReplicas ?? replicas, observedGeneration ?? generation, progressDeadlineExceeded));
    }

    /// <summary>Adds (or replaces) a statefulset; the counts default to <paramref name="replicas"/>.</summary>
    public V1StatefulSet AddStatefulSet(string ns, string name, IDictionary<string, string>? labels = null, int replicas = 1,
        int? readyReplicas = null, int? availableReplicas = null, int? currentReplicas = null, int? updatedReplicas = null,
        long generation = 1, long? observedGeneration = null)
    {
        var metadata = Metadata(ns, name, labels, generation);
        return Store(KubernetesObjects.StatefulSet(metadata, replicas, readyReplicas ?? replicas, availableReplicas ?? readyReplicas ?? replicas,
            currentReplicas ?? replicas, updatedReplicas ?? replicas, observedGeneration ?? generation));
    }

    /// <summary>Adds (or replaces) a daemonset; ready, available and updated default to <paramref name="desiredNumberScheduled"/>.</summary>
    public V1DaemonSet AddDaemonSet(string ns, string name, IDictionary<string, string>? labels = null, int desiredNumberScheduled = 1,
        int? numberReady = null, int? numberAvailable = null, int? updatedNumberScheduled = null, long generation = 1,
        long? observedGeneration = null)
    {
        var metadata = Metadata(ns, name, labels, generation);
        return Store(KubernetesObjects.DaemonSet(metadata, desiredNumberScheduled, numberReady ?? desiredNumberScheduled,
            numberAvailable ?? numberReady ?? desiredNumberScheduled, updatedNumberScheduled ?? desiredNumberScheduled, observedGeneration ?? generation));
    }

    /// <summary>
    /// Adds (or replaces) a pod owned, when <paramref name="ownerKind"/> is given, by that controller
    /// (ReplicaSet, StatefulSet, DaemonSet, Job); with no containers given it has one ready container.
    /// </summary>
    public V1Pod AddPod(string ns, string name, IDictionary<string, string>? labels = null, string? ownerKind = null,
        string? ownerName = null, string phase = "Running", params PodContainer[] containers)
    {
        ArgumentNullException.ThrowIfNull(containers);
        var metadata = Metadata(ns, name, labels, generation: null);
        if (ownerKind is not null)
        {
            metadata.OwnerReferences =
            [
                new V1OwnerReference
                {
                    ApiVersion = ownerKind == "Job" ? "batch/v1" : "apps/v1",
                    Kind = ownerKind,
                    Name = ownerName ?? throw new ArgumentNullException(nameof(ownerName), "An owner needs a name."),
                    Uid = Guid.NewGuid().ToString(),
                    Controller = true,
                    BlockOwnerDeletion = true,
                },
            ];
        }
        return Store(KubernetesObjects.Pod(metadata, phase, containers.Length == 0 ? [new PodContainer(name)] : containers));
    }

    /// <summary>
    /// Writes a kubeconfig whose one cluster is this stand-in, user authenticating with
    /// <paramref name="token"/>, as the current context; returns <paramref name="path"/>.
    /// </summary>
    public string WriteKubeconfig(string path, string token, string context = "stand-in")
    {
        ArgumentNullException.ThrowIfNull(path);
        var yaml = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {Quote(context)}
              cluster:
                server: {Quote(BaseUri.ToString().TrimEnd('/'))}
            users:
            - name: {Quote(context)}
              user:
                token: {Quote(token)}
            contexts:
            - name: {Quote(context)}
              context:
                cluster: {Quote(context)}
                user: {Quote(context)}
                namespace: default
            current-context: {Quote(context)}

            """;
        File.WriteAllText(path, yaml, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    protected override bool AllowsAnonymous(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return HealthEndpoint(request) is not null || request.Path == "/version";
    }

    protected override StandInResponse Answer(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (HealthEndpoint(request) is { } endpoint)
        {
            return Health(endpoint, request);
        }
        if (request.Path == "/version")
        {
            return new(200, StandInResponse.Json, KubernetesJson.Serialize(Version()));
        }
        if (ResourcePath.Parse(request.Path) is not { } target)
        {
            return KubernetesStatus.NotFound("the server could not find the requested resource", new V1StatusDetails());
        }
        return target.Name is null ? List(target, request) : Get(target);
    }

    protected override StandInResponse ServerError(HttpRequest request) => KubernetesStatus.InternalError("etcdserver: request timed out");

    protected override StandInResponse Unauthorized(HttpRequest request) => KubernetesStatus.Unauthorized();

    protected override StandInResponse Forbidden(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var user = HasCredentials(request) ? "system:serviceaccount:ops:probe" : "system:anonymous";
        if (ResourcePath.Parse(request.Path) is not { } target)
        {
            return KubernetesStatus.Forbidden($"forbidden: User \"{user}\" cannot get path \"{request.Path}\"", new V1StatusDetails());
        }
        var resource = target.Resource;
        var verb = target.Name is null ? "list" : "get";
        var subject = target.Name is null ? resource.QualifiedName : $"{resource.QualifiedName} \"{target.Name}\"";
        var scope = target.Namespace is null ? "at the cluster scope" : $"in the namespace \"{target.Namespace}\"";
        return KubernetesStatus.Forbidden(
            $"{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{resource.Plural}\" in API group \"{resource.Group}\" {scope}",
            Details(resource, target.Name));
    }

    private static string? HealthEndpoint(HttpRequest request) => request.Path.Value switch
    {
        "/livez" or "/readyz" or "/healthz" => request.Path.Value[1..],
        _ => null,
    };

    /// <summary>The listing format of k8s.io/apiserver's healthz handler.</summary>
    private StandInResponse Health(string endpoint, HttpRequest request)
    {
        var failing = FailingChecks;
        var excluded = request.Query["exclude"].Where(e => e is not null).Select(e => e!).ToHashSet();
        IEnumerable<string> checks = endpoint == "livez" ? LivezChecks : [.. LivezChecks, .. ReadyzOnlyChecks];
        checks = checks.Concat(failing.Except(checks));
        var listing = new StringBuilder();
        var failed = false;
        foreach (var check in checks)
        {
            if (excluded.Contains(check))
            {
                listing.Append(CultureInfo.InvariantCulture, $"[+]{check} excluded: ok\n");
            }
            else if (failing.Contains(check))
            {
                listing.Append(CultureInfo.InvariantCulture, $"[-]{check} failed: reason withheld\n");
                failed = true;
            }
            else
            {
                listing.Append(CultureInfo.InvariantCulture, $"[+]{check} ok\n");
            }
        }
        var response = failed
            ? new StandInResponse(500, "text/plain; charset=utf-8", $"{listing}{endpoint} check failed\n")
            : new StandInResponse(200, "text/plain; charset=utf-8", request.Query.ContainsKey("verbose") ? $"{listing}{endpoint} check passed\n" : "ok");
        return response.WithHeader("X-Content-Type-Options", "nosniff");
    }

    private VersionInfo Version()
    {
        var parts = GitVersion.TrimStart('v').Split('.');
        return new VersionInfo
        {
            Major = parts[0],
            Minor = parts.Length > 1 ? parts[1] : "0",
            GitVersion = GitVersion,
            GitCommit = "9edcffcde5595e8a5b1a35f88c421764e575afce",
            GitTreeState = "clean",
            BuildDate = "2024-08-13T07:28:49Z",
            GoVersion = "go1.22.5",
            Compiler = "gc",
            Platform = "linux/amd64",
        };
    }

    private StandInResponse List(ResourcePath target, HttpRequest request)
    {
        LabelSelector selector;
        try
        {
            selector = LabelSelector.Parse(request.Query["labelSelector"]);
        }
        catch (FormatException e)
        {
            return KubernetesStatus.BadRequest(e.Message);
        }
        List<IKubernetesObject<V1ObjectMeta>> items;
        string resourceVersion;
        lock (_gate)
        {
            items = [.. _objects.Where(o => o.GetType() == target.Resource.ModelType
                && (target.Namespace is null || o.Metadata.NamespaceProperty == target.Namespace)
                && selector.Matches(o.Metadata.Labels))];
            resourceVersion = _resourceVersion.ToString(CultureInfo.InvariantCulture);
        }
        return new(200, StandInResponse.Json, KubernetesJson.Serialize(target.Resource.List(items, resourceVersion)));
    }

    private StandInResponse Get(ResourcePath target)
    {
        IKubernetesObject<V1ObjectMeta>? found;
        lock (_gate)
        {
            found = _objects.FirstOrDefault(o => o.GetType() == target.Resource.ModelType
                && o.Metadata.NamespaceProperty == target.Namespace && o.Metadata.Name == target.Name);
        }
        if (found is null)
        {
            return KubernetesStatus.NotFound($"{target.Resource.QualifiedName} \"{target.Name}\" not found", Details(target.Resource, target.Name));
        }
        // Items of a list carry no kind or apiVersion; a single object leads with them.
        var single = new JsonObject { ["kind"] = target.Resource.Kind, ["apiVersion"] = target.Resource.ApiVersion };
        foreach (var (name, value) in JsonNode.Parse(KubernetesJson.Serialize(found))!.AsObject())
        {
            single[name] = value?.DeepClone();
        }
        return new(200, StandInResponse.Json, single.ToJsonString(StandInJson.Compact));
    }

    private static V1StatusDetails Details(KubernetesResource resource, string? name) => new()
    {
        Name = name,
        Group = resource.Group.Length == 0 ? null : resource.Group,
        Kind = resource.Plural,
    };

    private static V1ObjectMeta Metadata(string ns, string name, IDictionary<string, string>? labels, long? generation)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Uid = Guid.NewGuid().ToString(),
            Generation = generation,
            Labels = new Dictionary<string, string>(labels ?? new Dictionary<string, string> { ["app"] = name }),
            CreationTimestamp = WholeSeconds(DateTime.UtcNow.AddMinutes(-30)),
        };
    }

    /// <summary>Stores a copy (replacing one of the same kind, namespace and name) and returns another, so callers cannot change what is served.</summary>
    private T Store<T>(T item)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_gate)
        {
            item.Metadata.ResourceVersion = (++_resourceVersion).ToString(CultureInfo.InvariantCulture);
            _objects.RemoveAll(o => o is T && o.Metadata.NamespaceProperty == item.Metadata.NamespaceProperty && o.Metadata.Name == item.Metadata.Name);
            _objects.Add(Clone(item));
        }
        return Clone(item);
    }

    private static T Clone<T>(T item)
        where T : class => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(item));

    /// <summary>The API server keeps timestamps to the second.</summary>
    private static DateTime WholeSeconds(DateTime time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A request path naming a served resource: /api/v1[/namespaces/{ns}]/pods[/{name}], /apis/apps/v1[/namespaces/{ns}]/{plural}[/{name}].</summary>
    private sealed record ResourcePath(KubernetesResource Resource, string? Namespace, string? Name)
    {
        public static ResourcePath? Parse(PathString path)
        {
            var segments = (path.Value ?? "").Trim('/').Split('/');
            string group;
            int rest;
            if (segments is ["api", "v1", ..])
            {
                (group, rest) = ("", 2);
            }
            else if (segments is ["apis", "apps", "v1", ..])
            {
                (group, rest) = ("apps", 3);
            }
            else
            {
                return null;
            }
            string? ns = null;
            if (segments.Length > rest + 1 && segments[rest] == "namespaces")
            {
                ns = segments[rest + 1];
                rest += 2;
            }
            var tail = segments[rest..];
            if (tail.Length is < 1 or > 2 || KubernetesResource.Find(group, tail[0]) is not { } resource || (ns is null && tail.Length == 2))
            {
                return null;
            }
            return new ResourcePath(resource, ns, tail.Length == 2 ? tail[1] : null);
        }
    }
}
