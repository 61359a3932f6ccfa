namespace OpsAutomation.Core.Logging;

/// <summary>Log levels, named as ECS <c>log.level</c> values are.</summary>
public enum OpsLogLevel
{
    Debug,
    Information,
    Warning,
    Error,
}
