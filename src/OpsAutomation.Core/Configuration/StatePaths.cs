namespace OpsAutomation.Core.Configuration;

/// <summary>Where state lives when nothing says otherwise.</summary>
public static class StatePaths
{
    /// <summary>
    /// <c>$XDG_STATE_HOME/opsautomation</c>, else <c>~/.local/state/opsautomation</c>;
    /// <c>%LOCALAPPDATA%\OpsAutomation</c> on Windows.
    /// </summary>
    public static string Default(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (OperatingSystem.IsWindows())
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "OpsAutomation");
        var xdg = environment("XDG_STATE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
            return Path.Combine(xdg, "opsautomation");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "opsautomation");
    }
}
