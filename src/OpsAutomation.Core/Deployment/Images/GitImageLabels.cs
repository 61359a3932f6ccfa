using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace OpsAutomation.Core.Deployment.Images;

/// <summary>
/// The OCI labels a build context in a git work tree earns: org.opencontainers.image.revision
/// (the commit), .source (the origin remote without credentials) and .created (the build time,
/// RFC 3339). Read with the git command line, which knows worktrees, packed refs and includes.
/// </summary>
public static class GitImageLabels
{
    public const string Revision = "org.opencontainers.image.revision";
    public const string Source = "org.opencontainers.image.source";
    public const string Created = "org.opencontainers.image.created";

    /// <summary>Each git call ends within this, so a hung git cannot hold a build.</summary>
    public static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The labels for <paramref name="contextPath"/>, empty when it is in no git work tree; a
    /// missing git command adds a note to <paramref name="notes"/> and no labels.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadAsync(string contextPath, DateTimeOffset now, Action<string>? notes, CancellationToken cancellationToken)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!InWorkTree(contextPath)) return labels;
        var revision = await GitAsync(contextPath, notes, cancellationToken, "rev-parse", "HEAD").ConfigureAwait(false);
        if (revision is null) return labels;
        labels[Revision] = revision;
        var remote = await GitAsync(contextPath, notes, cancellationToken, "remote", "get-url", "origin").ConfigureAwait(false);
        if (remote is not null) labels[Source] = WithoutCredentials(remote);
        labels[Created] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return labels;
    }

    /// <summary>A remote URL with any user info removed (https://user:token@host/x is https://host/x); scp-like git@host:x stays.</summary>
    public static string WithoutCredentials(string remote)
    {
        if (!Uri.TryCreate(remote, UriKind.Absolute, out var uri) || uri.UserInfo.Length == 0 || uri.IsFile) return remote;
        return uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.PathAndQuery, UriFormat.UriEscaped);
    }

    private static bool InWorkTree(string path)
    {
        for (var dir = new DirectoryInfo(path); dir is not null; dir = dir.Parent)
        {
            // A folder (a clone) or a file (a worktree or submodule pointing at its git folder).
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git"))) return true;
        }
        return false;
    }

    private static async Task<string?> GitAsync(string workingDirectory, Action<string>? notes, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(GitTimeout);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("git did not start");
        }
        catch (Win32Exception ex)
        {
            notes?.Invoke($"No OCI labels from git: the git command cannot run ({ex.Message}).");
            return null;
        }
        using (process)
        {
            try
            {
                var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
                var error = process.StandardError.ReadToEndAsync(deadline.Token);
                await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
                var text = (await output.ConfigureAwait(false)).Trim();
                if (process.ExitCode == 0 && text.Length > 0) return text;
                notes?.Invoke($"git {string.Join(' ', arguments)} in {workingDirectory} exited with {process.ExitCode}: {(await error.ConfigureAwait(false)).Trim()}");
                return null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                notes?.Invoke($"git {string.Join(' ', arguments)} in {workingDirectory} did not finish within {GitTimeout.TotalSeconds:0} s; no label from it.");
                return null;
            }
        }
    }
}
