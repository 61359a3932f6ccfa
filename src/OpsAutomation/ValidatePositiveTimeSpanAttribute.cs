using System.Management.Automation;

namespace OpsAutomation;

/// <summary>
/// Accepts a TimeSpan above zero. ValidateRange cannot take TimeSpan bounds in an attribute, so
/// this gives a window the same binding error as a number out of range: ParameterArgumentValidationError,
/// "Cannot validate argument on parameter 'Window'", then the value and what to give instead.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidatePositiveTimeSpanAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        if (arguments is TimeSpan span && span <= TimeSpan.Zero)
        {
            throw new ValidationMetadataException(
                $"The argument {span} is not a positive span of time. Supply one such as (New-TimeSpan -Hours 24) or '1.00:00:00'.");
        }
    }
}
