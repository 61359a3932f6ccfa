using System.Text;
using k8s;

namespace OpsAutomation.Core.Deployment.Rollout;

/// <summary>
/// The last lines of a container's log (or of its previous instance, `kubectl logs --previous`), read
/// bounded: at most <c>tailLines</c> lines and <c>maxBytes</c> bytes, each line cut at
/// <c>maxLineLength</c> characters. One reader for the rollout watcher's failure reports and the
/// incident diagnostics' pod-logs source.
/// </summary>
internal static class PodLogs
{
    /// <summary>The container's last non-empty lines, oldest first; the server's errors pass through (callers wrap them with <see cref="DeploymentObjects.CallAsync{T}"/>).</summary>
    public static async Task<IReadOnlyList<string>> ReadTailAsync(IKubernetes client, string ns, string pod, string container, bool previous,
        int tailLines, int maxBytes, int maxLineLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, container: container, previous: previous,
            tailLines: tailLines, limitBytes: maxBytes, cancellationToken: cancellationToken).ConfigureAwait(false);
        var buffer = new byte[maxBytes];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false) is var n and > 0) read += n;
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return [.. text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0)
            .Select(l => l.Length > maxLineLength ? l[..maxLineLength] + "..." : l)
            .TakeLast(tailLines)];
    }
}
