using System.Text.RegularExpressions;
using OpsAutomation.Core.Configuration;

namespace OpsAutomation.Core.Incidents.Runbooks.Actions;

/// <summary>
/// CleanDirectory: deletes the files under a root that match a name pattern and are older than an
/// age, at most MaxFiles of them. It never leaves the root: a pattern is a file name (no separators,
/// no ..), a root that is itself a symbolic link is refused, and symbolic links under it are neither
/// followed nor deleted. Arguments: Path (required), Pattern (default *), OlderThanSec (default 0),
/// Recurse (default false), MaxFiles (default 1000). High-impact.
/// </summary>
public sealed class CleanDirectoryAction : IRunbookAction
{
    /// <summary>Entries looked at, at most, in one run: a huge tree cannot hold the runbook.</summary>
    public const int MaxEntries = 200_000;

    public string Name => "CleanDirectory";

    public IReadOnlyList<string> Keys { get; } = ["Path", "Pattern", "OlderThanSec", "Recurse", "MaxFiles"];

    public RunbookRateLimit DefaultRateLimit { get; } = new(6, TimeSpan.FromHours(1));

    public RunbookActionPlan Bind(ConfigurationMap arguments, RunbookBinding binding)
    {
        var root = binding.FullPath(arguments, "Path") ?? throw arguments.Error("is required: the directory to clean", "Path");
        root = Path.TrimEndingDirectorySeparator(root);
        if (Path.GetPathRoot(root) is { } top && string.Equals(Path.TrimEndingDirectorySeparator(top), root, StringComparison.Ordinal) || root.Length == 0)
            throw arguments.Error($"'{root}' is a file system root; name the directory to clean", "Path");
        var pattern = binding.Text(arguments, "Pattern") is { Length: > 0 } given ? given.Trim() : "*";
        if (pattern.Contains('/', StringComparison.Ordinal) || pattern.Contains('\\', StringComparison.Ordinal) || pattern.Contains("..", StringComparison.Ordinal))
            throw arguments.Error($"'{pattern}' is not a file name pattern: no path separators and no '..' (the action never leaves Path)", "Pattern");
        var olderThan = TimeSpan.FromSeconds(arguments.GetDouble("OlderThanSec", 0, 10 * 365 * 86400.0) ?? 0);
        return new Plan(root, pattern, olderThan, arguments.GetBool("Recurse") ?? false, arguments.GetInt("MaxFiles", 1, 100_000) ?? 1000);
    }

    private sealed class Plan(string root, string pattern, TimeSpan olderThan, bool recurse, int maxFiles) : RunbookActionPlan
    {
        public override string Target => $"directory {root}";

        public override string Description =>
            $"delete files matching '{pattern}'{(olderThan > TimeSpan.Zero ? $" older than {Models.DurationText.Format(olderThan)}" : "")}{(recurse ? " in it and its subdirectories" : "")}, at most {maxFiles}";

        public override bool HighImpact => true;

        public override Task<string> ExecuteAsync(RunbookActionContext context, CancellationToken cancellationToken)
        {
            var top = new DirectoryInfo(root);
            if (!top.Exists) throw new RunbookActionException($"the directory {root} does not exist");
            if (top.LinkTarget is not null) throw new RunbookActionException($"{root} is a symbolic link (to {top.LinkTarget}); name the real directory, links are never followed");
            var glob = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
                OperatingSystem.IsWindows() ? RegexOptions.IgnoreCase | RegexOptions.CultureInvariant : RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            var cutoff = context.Time.GetUtcNow() - olderThan;
            var prefix = root + Path.DirectorySeparatorChar;
            int deleted = 0, links = 0, failed = 0, seen = 0;
            long bytes = 0;
            string? firstFailure = null;
            var pending = new Stack<DirectoryInfo>([top]);
            var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0, ReturnSpecialDirectories = false };
            while (pending.Count > 0 && deleted < maxFiles && seen < MaxEntries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var directory = pending.Pop();
                foreach (var entry in directory.EnumerateFileSystemInfos("*", options))
                {
                    if (++seen > MaxEntries || deleted >= maxFiles) break;
                    // Never leave the root, whatever the file system says an entry's path is.
                    if (!entry.FullName.StartsWith(prefix, StringComparison.Ordinal)) continue;
                    if (entry.LinkTarget is not null || entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
                    {
                        links++;
                        continue;
                    }
                    if (entry is DirectoryInfo sub)
                    {
                        if (recurse) pending.Push(sub);
                        continue;
                    }
                    if (!glob.IsMatch(entry.Name) || entry.LastWriteTimeUtc > cutoff.UtcDateTime) continue;
                    try
                    {
                        var length = ((FileInfo)entry).Length;
                        entry.Delete();
                        deleted++;
                        bytes += length;
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        failed++;
                        firstFailure ??= $"{entry.FullName}: {ex.Message}";
                    }
                }
            }
            var message = $"deleted {deleted} file{(deleted == 1 ? "" : "s")} ({bytes} bytes) under {root}";
            if (deleted >= maxFiles) message += $"; stopped at MaxFiles {maxFiles}";
            if (seen > MaxEntries) message += $"; stopped after looking at {MaxEntries} entries";
            if (links > 0) message += $"; {links} symbolic link{(links == 1 ? "" : "s")} left alone (never followed)";
            if (failed > 0) throw new RunbookActionException($"{message}; {failed} could not be deleted, first {firstFailure}");
            return Task.FromResult(message);
        }
    }
}
