namespace OpsAutomation.Models.Metrics;

/// <summary>Put replaces the group's metrics, Post replaces only metrics of the same names, Delete removes the group.</summary>
public enum PushGatewayMethod
{
    /// <summary>Replace the group's metrics.</summary>
    Put,
    /// <summary>Replace only metrics of the same names in the group.</summary>
    Post,
    /// <summary>Remove the group.</summary>
    Delete,
}
