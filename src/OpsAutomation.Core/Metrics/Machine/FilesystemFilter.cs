using System.Text.RegularExpressions;

namespace OpsAutomation.Core.Metrics.Machine;

/// <summary>
/// Which mounts count as real filesystems: node_exporter's default exclusions
/// (--collector.filesystem.mount-points-exclude and --collector.filesystem.fs-types-exclude of
/// node_exporter 1.5, the Debian 12 package), so both report the same filesystems.
/// </summary>
public static partial class FilesystemFilter
{
    [GeneratedRegex("^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)", RegexOptions.CultureInvariant)]
    private static partial Regex ExcludedMountPoints();

    [GeneratedRegex("^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$", RegexOptions.CultureInvariant)]
    private static partial Regex ExcludedTypes();

    public static bool IsIncluded(string mountPoint, string fileSystemType) =>
        !ExcludedMountPoints().IsMatch(mountPoint) && !ExcludedTypes().IsMatch(fileSystemType);
}
