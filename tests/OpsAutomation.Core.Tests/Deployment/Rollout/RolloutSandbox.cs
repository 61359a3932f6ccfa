using k8s;
using k8s.Autorest;
using k8s.Models;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Sandbox.Hosting;

namespace OpsAutomation.Core.Tests.Deployment.Rollout;

/// <summary>
/// One Kubernetes sandbox for the rollout tests, on a free 127.0.0.1 port, its clock <see cref="Speed"/>
/// times real time (crash back-offs and progress deadlines in sandbox minutes pass in real seconds)
/// and a small watch window (so a test can make a watch's resourceVersion too old). The module's own
/// client cache builds the client, from the kubeconfig the sandbox writes, as the cmdlets do.
/// </summary>
public sealed class RolloutSandbox : IAsyncLifetime
{
    public const double Speed = 30;
    public const int WatchWindow = 20;

    private readonly KubernetesClients _clients = new();
    private int _namespaces;

    public SandboxServer Server { get; private set; } = null!;

    public IKubernetes Client { get; private set; } = null!;

    public KubernetesTarget Target => new(Server.KubeconfigPath, Kubeconfig.Context, null, false, Timeout.InfiniteTimeSpan, "the test's kubeconfig");

    public async Task InitializeAsync()
    {
        Server = await SandboxServer.StartAsync(new SandboxOptions { Speed = Speed, WatchWindow = WatchWindow, PodStartDelay = TimeSpan.FromSeconds(1) });
        Client = _clients.Get(Target);
    }

    public async Task DisposeAsync()
    {
        _clients.Dispose();
        await Server.DisposeAsync();
    }

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>A Deployment of the sandbox's sample application with a readiness probe; <paramref name="env"/> sets its behaviour (docs/sandbox.md).</summary>
    public static V1Deployment Deployment(string name, string image, int replicas = 2, IDictionary<string, string>? env = null, int progressDeadlineSeconds = 600) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            ProgressDeadlineSeconds = progressDeadlineSeconds,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = Template(name, image, env),
        },
    };

    public static V1PodTemplateSpec Template(string name, string image, IDictionary<string, string>? env = null) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Image = image,
                    Ports = [new V1ContainerPort { ContainerPort = 8080 }],
                    Env = [.. (env ?? new Dictionary<string, string>()).Select(e => new V1EnvVar { Name = e.Key, Value = e.Value })],
                    ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = 8080 }, PeriodSeconds = 1, FailureThreshold = 1 },
                },
            ],
        },
    };

    /// <summary>Gives the Deployment a new template (a new revision), as an apply of a new version would.</summary>
    /// <remarks>The controller writes the Deployment too (its status, its revision annotation), so a replace
    /// that lost the race is read and tried again, as client-go's RetryOnConflict does.</remarks>
    public async Task UpdateAsync(string name, string ns, string image, IDictionary<string, string>? env = null, string? changeCause = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var deployment = await Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
            deployment.Spec.Template = Template(name, image, env);
            if (changeCause is not null)
            {
                deployment.Metadata.Annotations ??= new Dictionary<string, string>();
                deployment.Metadata.Annotations["kubernetes.io/change-cause"] = changeCause;
            }
            try
            {
                await Client.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, name, ns);
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 5)
            {
            }
        }
    }
}

[CollectionDefinition(Collection)]
public sealed class RolloutSandboxTests : ICollectionFixture<RolloutSandbox>
{
    public const string Collection = "rollout sandbox";
}
