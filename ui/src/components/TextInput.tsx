import type { InputHTMLAttributes } from "react";

/** An `<input>` that hands its text to `onValue` on every change: the controlled text boxes of forms and filters. */
export function TextInput({
  onValue,
  ...props
}: Omit<InputHTMLAttributes<HTMLInputElement>, "onChange"> & { onValue: (value: string) => void }) {
  return (
    <input
      {...props}
      onChange={(event) => {
        onValue(event.target.value);
      }}
    />
  );
}
