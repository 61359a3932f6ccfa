using k8s;
using k8s.Models;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Sandbox.Hosting;

namespace OpsAutomation.Core.Tests.TestSupport;

/// <summary>
/// One Kubernetes sandbox for the deployment tests, started in-process on a free 127.0.0.1 port;
/// the module's own client cache builds the clients from its kubeconfig. Each test works in a
/// namespace of its own.
/// </summary>
public sealed class SandboxCluster : IAsyncLifetime
{
    private int _names;

    public SandboxServer Server { get; private set; } = null!;

    public KubernetesClients Clients { get; } = new(_ => null);

    /// <summary>The administrator's client, as the module builds it.</summary>
    public IKubernetes Admin => Client(Kubeconfig.Context);

    /// <summary>The read-only viewer's client: every write is the real server's 403.</summary>
    public IKubernetes ReadOnly => Client(Kubeconfig.ReadOnlyContext);

    public IKubernetes Client(string context) => Clients.Get(Target(context));

    public KubernetesTarget Target(string? context = null) =>
        new(Server.KubeconfigPath, context ?? Kubeconfig.Context, null, false, TimeSpan.FromSeconds(20), "the test's kubeconfig");

    public async Task InitializeAsync() =>
        Server = await SandboxServer.StartAsync(new SandboxOptions { PodStartDelay = TimeSpan.FromMilliseconds(100) });

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = UniqueName(prefix);
        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>A name no test has used, for a namespace a test creates through its manifests.</summary>
    public string UniqueName(string prefix) => $"{prefix}-{Interlocked.Increment(ref _names)}";

    /// <summary>Waits, a bounded time (10 s), for what the controllers do: true once <paramref name="condition"/> holds.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (await condition()) return true;
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
        return false;
    }

    public async Task DisposeAsync()
    {
        Clients.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>The test classes that share the one sandbox.</summary>
[CollectionDefinition(Collection)]
public sealed class SandboxClusterTests : ICollectionFixture<SandboxCluster>
{
    public const string Collection = "sandbox cluster";
}
