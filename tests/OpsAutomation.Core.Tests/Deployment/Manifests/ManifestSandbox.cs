using k8s;
using k8s.Models;
using OpsAutomation.Core.Kubernetes;
using OpsAutomation.Sandbox.Hosting;

namespace OpsAutomation.Core.Tests.Deployment.Manifests;

/// <summary>
/// One Kubernetes sandbox, started in-process on a free 127.0.0.1 port, for the manifest tests; the
/// module's own client cache builds the clients from its kubeconfig. Each test works in a namespace of its own.
/// </summary>
public sealed class ManifestSandbox : IAsyncLifetime
{
    private int _namespaces;

    public SandboxServer Server { get; private set; } = null!;

    public KubernetesClients Clients { get; } = new(_ => null);

    /// <summary>The administrator's client, as the module builds it.</summary>
    public IKubernetes Admin => Client(Kubeconfig.Context);

    /// <summary>The read-only viewer's client: every write is the real server's 403.</summary>
    public IKubernetes ReadOnly => Client(Kubeconfig.ReadOnlyContext);

    public IKubernetes Client(string context) =>
        Clients.Get(new KubernetesTarget(Server.KubeconfigPath, context, null, false, TimeSpan.FromSeconds(20), "the test's kubeconfig"));

    public async Task InitializeAsync() =>
        Server = await SandboxServer.StartAsync(new SandboxOptions { PodStartDelay = TimeSpan.FromMilliseconds(100) });

    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var name = $"{prefix}-{Interlocked.Increment(ref _namespaces)}";
        await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } });
        return name;
    }

    /// <summary>A name no test has used, for a namespace a test creates through its manifests.</summary>
    public string UniqueName(string prefix) => $"{prefix}-{Interlocked.Increment(ref _namespaces)}";

    /// <summary>Waits, a bounded time, for what the controllers do.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
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

[CollectionDefinition(Collection)]
public sealed class ManifestSandboxTests : ICollectionFixture<ManifestSandbox>
{
    public const string Collection = "manifest sandbox";
}
