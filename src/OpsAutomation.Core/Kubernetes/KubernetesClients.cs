using System.Collections.Concurrent;
using k8s;
namespace OpsAutomation.Core.Kubernetes;

/// <summary>
/// KubernetesClient instances built from the given kubeconfig, else KUBECONFIG, else
/// ~/.kube/config, else the pod's in-cluster service account. Only a client that could be built
/// is kept, keyed by the kubeconfig files and their last-write times, so fixing or replacing a
/// kubeconfig takes effect on the next check without restarting PowerShell.
/// </summary>
public sealed class KubernetesClients : IDisposable
{
    // Created on first use, like DefaultKubeconfig: a health check of HTTP services only should not load KubernetesClient.
    private ConcurrentDictionary<string, IKubernetes>? _clients;
    private readonly Func<string, string?> _environment;
    private readonly string? _defaultKubeconfigOverride;

    /// <param name="environment">Reads KUBECONFIG and KUBERNETES_SERVICE_HOST; the process's when null.</param>
    /// <param name="defaultKubeconfig">The kubeconfig used when none is given and KUBECONFIG is unset; ~/.kube/config when null.</param>
    public KubernetesClients(Func<string, string?>? environment = null, string? defaultKubeconfig = null)
    {
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _defaultKubeconfigOverride = defaultKubeconfig;
    }

    private string DefaultKubeconfig => _defaultKubeconfigOverride ?? KubernetesClientConfiguration.KubeConfigDefaultLocation;

    /// <summary>The client of <paramref name="target"/>; throws <see cref="KubernetesConfigurationException"/> naming what was tried and why it cannot be used.</summary>
    public IKubernetes Get(KubernetesTarget target)
    {
        var source = FindSource(target);
        var key = string.Join('|', source.Key, target.Context, target.Server, target.SkipCertificateCheck, target.Timeout.Ticks);
        var clients = LazyInitializer.EnsureInitialized(ref _clients, () => new(StringComparer.Ordinal));
        if (clients.TryGetValue(key, out var cached)) return cached;
        var created = Create(target, source);
        var kept = clients.GetOrAdd(key, created);
        if (!ReferenceEquals(kept, created)) created.Dispose();
        return kept;
    }

    /// <summary>
    /// The namespace <paramref name="target"/>'s kubeconfig context names, or the pod's own with the in-cluster service
    /// account: kubectl's namespace for objects that name none. Null when there is none; throws as <see cref="Get"/> does.
    /// </summary>
    public string? ContextNamespace(KubernetesTarget target) => Configure(target, FindSource(target)).Namespace is { Length: > 0 } ns ? ns : null;

    public void Dispose()
    {
        if (_clients is not { } clients) return;
        foreach (var client in clients.Values) client.Dispose();
        clients.Clear();
    }

    /// <summary>Which configuration a target uses, as KubernetesClient's own default lookup would find it, but saying so.</summary>
    private KubeconfigSource FindSource(KubernetesTarget target)
    {
        if (target.Kubeconfig is { } path) return KubeconfigSource.Files($"kubeconfig {path} ({target.KubeconfigOrigin})", [path]);
        if (_environment("KUBECONFIG") is { Length: > 0 } variable)
        {
            var paths = variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return KubeconfigSource.Files($"kubeconfig {string.Join(Path.PathSeparator, paths)} (from KUBECONFIG)", paths);
        }
        var defaultKubeconfig = DefaultKubeconfig;
        if (File.Exists(defaultKubeconfig)) return KubeconfigSource.Files($"kubeconfig {defaultKubeconfig}", [defaultKubeconfig]);
        if (_environment("KUBERNETES_SERVICE_HOST") is { Length: > 0 } && KubernetesClientConfiguration.IsInCluster())
            return new KubeconfigSource("the in-cluster service account", "in-cluster", []);
        return new KubeconfigSource(
            $"{target.KubeconfigOrigin} gives none, KUBECONFIG is not set, {defaultKubeconfig} does not exist and this is not a pod with a service account",
            "none", []);
    }

    private static k8s.Kubernetes Create(KubernetesTarget target, KubeconfigSource source)
    {
        var configuration = Configure(target, source);
        if (target.Server is not null) configuration.Host = target.Server;
        if (target.SkipCertificateCheck) configuration.SkipTlsVerify = true;
        // The client's own limit per request (100 s unless set) is a backstop behind the caller's deadline,
        // which is the target's timeout: the caller's token fires first, so a slow answer reads as a timeout.
        configuration.HttpClientTimeout = target.Timeout == Timeout.InfiniteTimeSpan ? target.Timeout : target.Timeout + TimeSpan.FromSeconds(1);
        return new k8s.Kubernetes(configuration);
    }

    private static KubernetesClientConfiguration Configure(KubernetesTarget target, KubeconfigSource source)
    {
        try
        {
            return source.Key switch
            {
                "in-cluster" => KubernetesClientConfiguration.InClusterConfig(),
                // No configuration at all: a check that names its API server may still reach it anonymously.
                "none" when target.Server is not null => new KubernetesClientConfiguration { Host = target.Server },
                "none" => throw new KubernetesConfigurationException(
                    $"No Kubernetes configuration: {source.Description}; give Kubeconfig in the catalog or set KUBECONFIG"),
                _ => BuildFromFiles(source, target.Context),
            };
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            throw new KubernetesConfigurationException($"The Kubernetes configuration cannot be used: {source.Description}{ContextText(target)}: {ex.Message}", ex);
        }
    }

    private static KubernetesClientConfiguration BuildFromFiles(KubeconfigSource source, string? context)
    {
        var missing = source.Paths.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            throw new KubernetesConfigurationException(source.Paths.Count == 1
                ? $"The Kubernetes configuration cannot be used: {source.Description} does not exist"
                : $"The Kubernetes configuration cannot be used: {source.Description} names {string.Join(", ", missing)}, which does not exist");
        }
        // Several KUBECONFIG files are merged by KubernetesClient's own default lookup (which reads the same variable).
        return source.Paths.Count > 1 && context is null
            ? KubernetesClientConfiguration.BuildDefaultConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile(new FileInfo(source.Paths[0]), context);
    }

    private static string ContextText(KubernetesTarget target) => target.Context is null ? "" : $" with context {target.Context}";

    /// <summary>Where a configuration comes from: a description for people, and a cache key that changes when a file does.</summary>
    private sealed record KubeconfigSource(string Description, string Key, IReadOnlyList<string> Paths)
    {
        public static KubeconfigSource Files(string description, IReadOnlyList<string> paths) =>
            new(description, string.Join(Path.PathSeparator, paths.Select(p => $"{Path.GetFullPath(p)}@{LastWrite(p)}")), paths);

        // Missing files have no time: the key then never matches a cached client, and the error is raised afresh.
        private static long LastWrite(string path) => File.Exists(path) ? File.GetLastWriteTimeUtc(path).Ticks : 0;
    }
}

/// <summary>The kubeconfig or in-cluster credentials are missing or invalid; the message names what was tried and why it failed.</summary>
public sealed class KubernetesConfigurationException : Exception
{
    public KubernetesConfigurationException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
