using System.Collections.Concurrent;
using k8s;
using OpsAutomation.Models.Health;

namespace OpsAutomation.Core.Health.Kubernetes;

/// <summary>
/// One KubernetesClient per kubeconfig, context and server, built on first use: from the given
/// kubeconfig, else KUBECONFIG or ~/.kube/config, else the pod's in-cluster service account.
/// </summary>
public sealed class KubernetesClients : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IKubernetes>> _clients = new(StringComparer.Ordinal);

    internal IKubernetes Get(HealthCheckDefinition definition)
    {
        var key = string.Join('|', definition.Kubeconfig, definition.Context, definition.Target, definition.SkipCertificateCheck, definition.Timeout.Ticks);
        return _clients.GetOrAdd(key, _ => new Lazy<IKubernetes>(() => Create(definition))).Value;
    }

    /// <summary>Where the configuration came from, for results and errors.</summary>
    public static string Describe(HealthCheckDefinition definition) =>
        definition.Kubeconfig is { } path
            ? $"kubeconfig {path}{(definition.Context is null ? "" : $", context {definition.Context}")}"
            : KubernetesClientConfiguration.IsInCluster() && Environment.GetEnvironmentVariable("KUBECONFIG") is null
                ? "in-cluster service account"
                : $"default kubeconfig{(definition.Context is null ? "" : $", context {definition.Context}")}";

    public void Dispose()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
            client.Value.Dispose();
    }

    private static k8s.Kubernetes Create(HealthCheckDefinition definition)
    {
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = definition.Kubeconfig is { } path
                ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path, definition.Context)
                : definition.Context is { } context
                    ? KubernetesClientConfiguration.BuildConfigFromConfigFile(currentContext: context)
                    : KubernetesClientConfiguration.BuildDefaultConfig();
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            throw new KubernetesConfigurationException($"The Kubernetes configuration ({Describe(definition)}) cannot be used: {ex.Message}", ex);
        }
        if (definition.Target.Length > 0) configuration.Host = definition.Target;
        if (definition.SkipCertificateCheck) configuration.SkipTlsVerify = true;
        // The client's own limit per request (100 s unless set): the check's timeout, as for every other call.
        configuration.HttpClientTimeout = definition.Timeout;
        return new k8s.Kubernetes(configuration);
    }
}

/// <summary>The kubeconfig or in-cluster credentials are missing or invalid: the check is Unhealthy with this reason.</summary>
internal sealed class KubernetesConfigurationException : Exception
{
    public KubernetesConfigurationException(string message, Exception inner) : base(message, inner)
    {
    }
}
