FROM python:3.11-slim-bookworm

# Create the non-root user the platform runs the module as
RUN useradd -ms /bin/bash sekoiaio-runtime

# Set working directory
WORKDIR /app

# Install the locked runtime dependencies first (no dev ones), every file checked against its hash
COPY requirements.txt ./
RUN pip install --no-cache-dir --require-hashes -r requirements.txt

# Copy application source
COPY . .

# Switch to non-root user
USER sekoiaio-runtime

# Set the entrypoint
ENTRYPOINT [ "python", "./main.py" ]
